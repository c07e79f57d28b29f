"""What each partner would have earned under a candidate commission plan, against what it earned.

"Earned" is the accrual lines actually booked (cancelled ones excluded); the candidate prices the
same won deals with its own rules, rates and brackets, year-to-date revenue counted from January.
A reversed deal (refunded, cancelled: its accrual cancelled or clawed back) earns nothing under
any plan: it is left out of both sides and counted apart (measured before: the candidate priced
it as if it were still won).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from partnerflow.commissions.accrual import closed_deals, price_deal, year_to_date
from partnerflow.commissions.periods import Period
from partnerflow.models import CommissionLine, LineKind, LineStatus, Registration
from partnerflow.partners import partner_names
from partnerflow.policy import CommissionPlanPolicy, Policy


@dataclass
class PartnerReplay:
    partner_id: int
    partner_name: str
    deals: int = 0
    excluded_by_candidate: int = 0
    earned: Decimal = Decimal(0)
    candidate: Decimal = Decimal(0)

    @property
    def difference(self) -> Decimal:
        return self.candidate - self.earned


@dataclass
class PlanReplay:
    start: date
    end: date
    partners: list[PartnerReplay] = field(default_factory=list)
    reversed_left_out: int = 0

    @property
    def earned(self) -> Decimal:
        return sum((p.earned for p in self.partners), Decimal(0))

    @property
    def candidate(self) -> Decimal:
        return sum((p.candidate for p in self.partners), Decimal(0))


def replay_plan(
    session: Session, candidate: Policy[CommissionPlanPolicy], *, start: date, end: date
) -> PlanReplay:
    """Price every won deal closed in [start, end] under ``candidate``, per partner."""
    in_period = (col(Registration.closed_on) >= start) & (col(Registration.closed_on) <= end)
    won = closed_deals(session, in_period)
    reversed_ids = _reversed(session, [deal.registration_id for deal in won])
    deals = [deal for deal in won if deal.registration_id not in reversed_ids]
    before = year_to_date(session, deals)
    booked: dict[int, Decimal] = dict(
        session.exec(
            select(col(CommissionLine.registration_id), col(CommissionLine.amount))
            .where(CommissionLine.kind == LineKind.ACCRUAL)
            .where(CommissionLine.status != LineStatus.CANCELLED)
            .where(col(CommissionLine.registration_id).in_([deal.registration_id for deal in deals]))
        ).all()
    )
    names = partner_names(session, (deal.partner_id for deal in deals))
    by_partner: dict[int, PartnerReplay] = {}
    decide = candidate.memoized()
    for deal in deals:
        row = by_partner.get(deal.partner_id) or by_partner.setdefault(
            deal.partner_id, PartnerReplay(deal.partner_id, names.get(deal.partner_id, "?"))
        )
        row.deals += 1
        row.earned += booked.get(deal.registration_id, Decimal(0))
        _, calculation = price_deal(candidate, deal, before.get(deal.registration_id, Decimal(0)), decide)
        if calculation is None:
            row.excluded_by_candidate += 1
        else:
            row.candidate += calculation.commission
    ordered = sorted(by_partner.values(), key=lambda p: (-abs(p.difference), p.partner_id))
    return PlanReplay(start, end, ordered, reversed_left_out=len(reversed_ids))


def _reversed(session: Session, registration_ids: list[int]) -> set[int]:
    """The deals among ``registration_ids`` that were reversed: accrual cancelled, or clawed back."""
    rows = session.exec(
        select(col(CommissionLine.registration_id))
        .where(col(CommissionLine.registration_id).in_(registration_ids))
        .where(
            (col(CommissionLine.kind) == LineKind.CLAWBACK)
            | (
                (col(CommissionLine.kind) == LineKind.ACCRUAL)
                & (col(CommissionLine.status) == LineStatus.CANCELLED)
            )
        )
    ).all()
    return {registration_id for registration_id in rows if registration_id is not None}


def period_bounds(text: str) -> tuple[date, date]:
    """``2026`` → the year, ``2026-10`` → the month; anything else is refused."""
    if text.isdigit() and len(text) == 4:
        return date(int(text), 1, 1), date(int(text), 12, 31)
    period = Period.parse(text)
    return period.first_day, period.last_day
