"""Prospects' contact details are kept only as long as the retention setting says: then the
name, e-mail, phone and note of a lead are blanked and the lead stamped ``purged_at``; the lead,
its turns and events stay (the KPIs and the rebalancing count them). A lead still offered or
being worked keeps its contact until it is settled. One UPDATE, one audit event with the count
and the cut-off: the trail says what was purged and when, never whose details they were."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from partnerflow.audit import record_event
from partnerflow.models import Lead, LeadState

ACTOR = "system:lead-retention"
KEPT_WHILE = (LeadState.NEW, LeadState.OFFERED, LeadState.ACCEPTED)


def purge_contacts(session: Session, *, now: datetime, retention_days: int) -> int:
    """Blank the contact details of leads received more than ``retention_days`` ago; how many."""
    cut_off = now - timedelta(days=retention_days)
    purged = (
        session.connection()
        .execute(
            update(Lead)
            .where(
                col(Lead.received_at) < cut_off,
                col(Lead.purged_at).is_(None),
                col(Lead.state).not_in(KEPT_WHILE),
            )
            .values(contact_name=None, contact_email=None, contact_phone=None, note="", purged_at=now)
        )
        .rowcount
    )
    if purged:
        record_event(
            session,
            actor=ACTOR,
            action="lead.contacts-purged",
            subject_type="lead-batch",
            subject_id=now.isoformat(),
            now=now,
            details={
                "leads": purged,
                "received_before": cut_off.isoformat(),
                "retention_days": retention_days,
            },
        )
    return int(purged)
