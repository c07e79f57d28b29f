"""What partner access writes to the audit trail: every change to a partner's keys and contacts,
under the partner, by whoever made it (a proven operator, a contact in the portal)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from partnerflow.audit import record_event


def partner_event(
    session: Session, partner_id: int, action: str, *, actor: str, now: datetime, **details: object
) -> None:
    record_event(
        session,
        now=now,
        actor=actor,
        action=action,
        subject_type="partner",
        subject_id=partner_id,
        details=details,
    )
