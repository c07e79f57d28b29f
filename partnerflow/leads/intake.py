"""Taking leads in: each submission refused with its reasons, recognised (its ``external_id``
was taken before) or stored waiting to be routed. One transaction per call: the caller commits,
so a refused file or a failure halfway writes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from partnerflow.audit import record_event
from partnerflow.leads.submission import LeadSubmission, parse_lead
from partnerflow.models import Lead, LeadState, Territory
from partnerflow.territories import DEPARTEMENTS

Outcome = Literal["taken", "known", "refused"]


@dataclass(frozen=True)
class LeadIntake:
    outcome: Outcome
    lead_id: str | None = None
    problems: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "lead_id": self.lead_id, "problems": list(self.problems)}


def take_in_leads(
    session: Session, rows: list[dict[str, Any]], *, now: datetime, actor: str
) -> list[LeadIntake]:
    """One result per row, in order; the taken leads wait in state ``new`` for the router."""
    parsed = [parse_lead(row, now=now) for row in rows]
    external = {lead.external_id for lead in parsed if isinstance(lead, LeadSubmission)}
    stored = session.connection().execute(
        sa_select(col(Lead.external_id), col(Lead.id)).where(col(Lead.external_id).in_(sorted(external)))
    )
    known: dict[str, str] = {str(external_id): str(lead_id) for external_id, lead_id in stored}
    results: list[LeadIntake] = []
    for submission in parsed:
        if not isinstance(submission, LeadSubmission):
            results.append(LeadIntake("refused", problems=submission))
            continue
        if submission.external_id in known:
            results.append(LeadIntake("known", lead_id=known[submission.external_id]))
            continue
        lead = _lead(submission, now)
        known[submission.external_id] = lead.id
        ensure_territories(session, {lead.departement})
        session.add(lead)
        results.append(LeadIntake("taken", lead_id=lead.id))
    session.flush()
    taken = sum(result.outcome == "taken" for result in results)
    if taken:
        record_event(
            session,
            actor=actor,
            action="leads.taken-in",
            subject_type="lead-batch",
            subject_id=now.isoformat(),
            now=now,
            details={"taken": taken, "rows": len(rows)},
        )
    return results


def _lead(submission: LeadSubmission, now: datetime) -> Lead:
    return Lead(
        id=f"LD-{uuid.uuid4().hex[:16]}",
        external_id=submission.external_id,
        departement=submission.departement,
        received_at=submission.received_at or now,
        state=LeadState.NEW,
        company=submission.company,
        contact_name=submission.contact_name,
        contact_email=submission.contact_email,
        contact_phone=submission.contact_phone,
        product_lines=list(submission.product_lines),
        source=submission.source,
        consent=submission.consent,
        note=submission.note,
    )


def ensure_territories(session: Session, codes: set[str]) -> None:
    """Add the official départements among ``codes`` the coverage does not list yet (a lead
    may come from a département with no reseller: it is then counted there)."""
    listed = session.connection().execute(
        sa_select(col(Territory.code)).where(col(Territory.code).in_(codes))
    )
    missing = codes - set(listed.scalars())
    for code, name, region in DEPARTEMENTS:
        if code in missing:
            session.add(Territory(code=code, name=name, region=region))
    if missing:
        session.flush()
