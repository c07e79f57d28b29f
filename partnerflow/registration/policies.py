"""Which deal-registration policy applies to a registration: the one in force when it was submitted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session

from partnerflow.clock import programme_date
from partnerflow.models import Registration
from partnerflow.policy import DealRegistrationPolicy, Policy, load_policy


def policy_for_registration(
    session: Session, registration_id: int, *, directory: Path, today: date
) -> Policy[DealRegistrationPolicy]:
    """A review, an update or an SLA step is judged by the rules the partner submitted under;
    an unknown registration falls back to today's policy (the caller reports it missing)."""
    registration = session.get(Registration, registration_id)
    submitted_on = programme_date(registration.submitted_at) if registration else today
    return load_policy("deal_registration", submitted_on, directory)
