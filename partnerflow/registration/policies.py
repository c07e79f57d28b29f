"""Which deal-registration policy applies to a registration: the one in force when it was submitted."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from partnerflow.clock import programme_date
from partnerflow.models import Registration


def submitted_on(session: Session, registration_id: int, *, today: date) -> date:
    """A review, an update or an SLA step is judged by the rules the partner submitted under: the
    day to load them for; an unknown registration falls back to ``today`` (the caller reports it
    missing)."""
    registration = session.get(Registration, registration_id)
    return programme_date(registration.submitted_at) if registration else today
