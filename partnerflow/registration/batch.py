"""The batch intake: many queued submissions decided in bulk, one transaction per chunk."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from partnerflow.models import PendingSubmission
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import DealRegistrationPolicy, Policy
from partnerflow.registration.bulk import take_in_many


@dataclass
class ChunkReport:
    taken: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    escalated: list[int] = field(default_factory=list)


def queue_submissions(session: Session, rows: Iterable[dict[str, Any]], *, now: datetime) -> int:
    """Store submissions for the next batch intake run; returns how many."""
    values = [{"raw": row, "received_at": now} for row in rows]
    if values:
        session.execute(insert(PendingSubmission), values)
    return len(values)


def take_in_chunk(
    session: Session,
    *,
    limit: int,
    policy: Policy[DealRegistrationPolicy],
    renderer: TemplateRenderer,
    now: datetime,
) -> ChunkReport:
    """Decide up to ``limit`` queued submissions, oldest first; each is marked with its registration."""
    pending = session.exec(
        select(PendingSubmission)
        .where(col(PendingSubmission.registration_id).is_(None))
        .order_by(col(PendingSubmission.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    report = ChunkReport(taken=len(pending))
    results = take_in_many(session, [item.raw for item in pending], policy=policy, renderer=renderer, now=now)
    for item, result in zip(pending, results, strict=True):
        item.registration_id = result.registration_id
        session.add(item)
        report.outcomes[result.outcome] = report.outcomes.get(result.outcome, 0) + 1
        if result.outcome == "review":
            report.escalated.append(result.registration_id)
    session.flush()
    return report
