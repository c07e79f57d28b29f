"""The facts the deal-registration policy decides on, built from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from partnerflow.models import OPEN_STATUSES, Partner, Registration, RegistrationStatus
from partnerflow.registration.submission import DealSubmission

_HISTORY = (
    RegistrationStatus.APPROVED,
    RegistrationStatus.EXPIRED,
    RegistrationStatus.WON,
    RegistrationStatus.LOST,
)


@dataclass(frozen=True)
class Conflict:
    """Another partner's claim on the same customer and an overlapping product line."""

    registration_id: int
    partner_id: int
    product_line: str
    status: str  # "approved" (protected) or "pending" (submitted earlier, not decided)


def find_conflict(
    session: Session,
    *,
    customer_key: str,
    product_lines: list[str],
    partner_id: int,
    today: date,
    exclude_id: int | None = None,
) -> Conflict | None:
    """The strongest conflict: a protected registration first, else the earliest pending one."""
    candidates = session.exec(
        select(Registration)
        .where(Registration.customer_key == customer_key)
        .where(Registration.partner_id != partner_id)
        .where(col(Registration.status).in_([RegistrationStatus.APPROVED, *OPEN_STATUSES]))
        .order_by(col(Registration.submitted_at), col(Registration.id))
    ).all()
    wanted = set(product_lines)
    pending: Conflict | None = None
    for other in candidates:
        overlap = sorted(wanted & set(other.product_lines))
        if not overlap or other.id == exclude_id or other.id is None or other.partner_id is None:
            continue
        if other.status == RegistrationStatus.APPROVED:
            if other.protection_ends_on is None or other.protection_ends_on >= today:
                return Conflict(other.id, other.partner_id, overlap[0], "approved")
        elif pending is None and (exclude_id is None or other.id < exclude_id):
            pending = Conflict(other.id, other.partner_id, overlap[0], "pending")
    return pending


def partner_history(session: Session, partner_id: int) -> tuple[int, float]:
    """(registrations ever approved, win rate among those closed) for ``partner_id``."""
    counts = dict(
        session.exec(
            select(Registration.status, func.count())
            .where(Registration.partner_id == partner_id)
            .where(col(Registration.status).in_(_HISTORY))
            .group_by(col(Registration.status))
        ).all()
    )
    won, lost = counts.get(RegistrationStatus.WON, 0), counts.get(RegistrationStatus.LOST, 0)
    return sum(counts.values()), (won / (won + lost) if won + lost else 0.0)


def deal_facts(
    submission: DealSubmission,
    partner: Partner,
    *,
    conflict: Conflict | None,
    history: tuple[int, float],
    today: date,
) -> dict[str, Any]:
    """Facts for ``deal_registration`` policies (see its vocabulary)."""
    approved, win_rate = history
    return {
        "deal": {
            "amount": float(submission.amount),
            "currency": submission.currency,
            "product_lines": list(submission.product_lines),
            "customer_departement": submission.customer_departement,
            "days_to_close": (submission.expected_close_on - today).days,
            "has_customer_siren": bool(submission.customer_siren),
        },
        "partner": {
            "id": partner.id,
            "tier": partner.tier.value,
            "certified": partner.certified,
            "status": partner.status.value,
            "territory": partner.territory_code,
            "in_territory": partner.territory_code == submission.customer_departement,
            "approved_registrations": approved,
            "win_rate": round(win_rate, 4),
        },
        "conflict": {
            "exists": conflict is not None,
            "partner_id": conflict.partner_id if conflict else 0,
            "product_line": conflict.product_line if conflict else "",
            "status": conflict.status if conflict else "",
        },
    }
