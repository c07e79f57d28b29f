"""Writing the audit trail: one append-only row per decision or noteworthy action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from partnerflow.models import AuditEvent
from partnerflow.policy import PolicyStamp


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str | int,
    now: datetime,
    stamp: PolicyStamp | None = None,
    rule_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event; ``stamp`` and ``rule_id`` say which policy version and rule decided.

    Args:
        actor: a person's e-mail, or ``system:<component>`` for automatic decisions.
        now: when it happened, on the programme's clock (``partnerflow.context``), like every
            other date the event is about: the trail reads the same clock as what it records.
    """
    event = AuditEvent(
        occurred_at=now,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        policy_kind=stamp.kind if stamp else None,
        policy_version=stamp.version if stamp else None,
        policy_sha256=stamp.sha256 if stamp else None,
        rule_id=rule_id,
        details=details or {},
    )
    session.add(event)
    session.flush()
    return event


def event_row(
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str | int,
    occurred_at: datetime,
    stamp: PolicyStamp | None = None,
    rule_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One event as the columns ``record_events`` appends (the arguments of ``record_event``)."""
    return {
        "occurred_at": occurred_at,
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "policy_kind": stamp.kind if stamp else None,
        "policy_version": stamp.version if stamp else None,
        "policy_sha256": stamp.sha256 if stamp else None,
        "rule_id": rule_id,
        "details": details or {},
    }


def record_events(session: Session, events: list[dict[str, Any]]) -> None:
    """Append many events in one multi-row INSERT (bulk steps: thousands of accruals).

    Each dict carries the :class:`AuditEvent` columns, ``occurred_at`` included.
    """
    if events:
        table = AuditEvent.__table__  # type: ignore[attr-defined]  # Core, not the ORM's bulk path
        session.connection().execute(insert(table), events)
