"""The facts the deal-registration policy decides on, built from the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import func
from sqlmodel import Session, col, select

from partnerflow.models import OPEN_STATUSES, Partner, Registration, RegistrationStatus
from partnerflow.registration.submission import DealSubmission

HISTORY_STATUSES = (  # a registration that was approved once, whatever happened next
    RegistrationStatus.APPROVED,
    RegistrationStatus.EXPIRED,
    RegistrationStatus.CLOSE_REVIEW,
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


class Claimant(Protocol):
    """What conflict detection reads of a registration (a stored row or one being taken in)."""

    @property
    def id(self) -> int | None: ...
    @property
    def partner_id(self) -> int | None: ...
    @property
    def status(self) -> RegistrationStatus: ...
    @property
    def product_lines(self) -> list[str]: ...
    @property
    def protection_ends_on(self) -> date | None: ...


CONFLICT_STATUSES = (RegistrationStatus.APPROVED, *OPEN_STATUSES)


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
        .where(col(Registration.status).in_(CONFLICT_STATUSES))
        .order_by(col(Registration.submitted_at), col(Registration.id))
    ).all()
    return strongest_conflict(
        candidates, product_lines=product_lines, partner_id=partner_id, today=today, exclude_id=exclude_id
    )


def strongest_conflict(
    candidates: Iterable[Claimant],
    *,
    product_lines: list[str],
    partner_id: int,
    today: date,
    exclude_id: int | None,
) -> Conflict | None:
    """Among registrations of the same customer in submission order, another partner's
    protected one on an overlapping line, else the earliest pending one submitted before."""
    wanted = set(product_lines)
    pending: Conflict | None = None
    for other in candidates:
        if other.partner_id == partner_id or other.status not in CONFLICT_STATUSES:
            continue
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
    return history_of(partner_status_counts(session, [partner_id]).get(partner_id, {}))


def partner_status_counts(session: Session, partner_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per partner, how many of its registrations are in each status that makes its history."""
    rows = session.exec(
        select(Registration.partner_id, Registration.status, func.count())
        .where(col(Registration.partner_id).in_(list(partner_ids)))
        .where(col(Registration.status).in_(HISTORY_STATUSES))
        .group_by(col(Registration.partner_id), col(Registration.status))
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for partner_id, status, count in rows:
        if partner_id is not None:
            counts.setdefault(partner_id, {})[RegistrationStatus(status).value] = count
    return counts


def history_of(counts: Mapping[str, int]) -> tuple[int, float]:
    """(registrations ever approved, win rate among those closed) from counts per status."""
    won, lost = counts.get(RegistrationStatus.WON.value, 0), counts.get(RegistrationStatus.LOST.value, 0)
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
