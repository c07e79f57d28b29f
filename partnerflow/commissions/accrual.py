"""Accruing commission when a registered deal closes won: once per deal, with its explanation.

Two paths share one pricing function: ``accrue_deal`` for the deal.closed event (one deal), and
``accrue_missing`` for the catch-up and the settlement (every won deal without a line, in bulk:
one query for the deals, one for the year-to-date revenue, one multi-row insert).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, String, type_coerce
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, col, select

from partnerflow.audit import record_events
from partnerflow.clock import programme_date
from partnerflow.commissions.calculation import CommissionCalculation, attainment, calculate_commission
from partnerflow.models import (
    CommissionLine,
    LineKind,
    LineStatus,
    Partner,
    PartnerTier,
    Registration,
    RegistrationStatus,
)
from partnerflow.policy import CommissionAction, CommissionPlanPolicy, Decision, Policy, PolicyError

# What pricing one deal may raise on bad data (an amount of Infinity, a close date no plan
# covers): that deal is set aside as an exception, never the whole accrual run.
UNPRICEABLE = (PolicyError, ArithmeticError, ValueError)

ACTOR = "system:commission-accrual"
PlanForDate = Callable[[date], Policy[CommissionPlanPolicy]]


@dataclass(frozen=True)
class AccrualResult:
    registration_id: int
    outcome: str  # accrued, already-accrued, excluded, not-won, exception
    line_id: int | None = None
    amount: Decimal | None = None
    rule_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ClosedDeal:
    """A won registration with what pricing needs (its partner's tier and status)."""

    registration_id: int
    partner_id: int
    tier: PartnerTier
    partner_status: str
    amount: Decimal
    currency: str
    product_line: str  # the first registered product line prices the deal
    closed_on: date
    registered_on: date

    def facts(self, attainment: float = 0.0) -> dict[str, Any]:
        """The plan's facts; ``attainment`` is the share of the tier's yearly target closed
        before this deal (see ``calculation.attainment``)."""
        return {
            "deal": {
                "amount": float(self.amount),
                "currency": self.currency,
                "product_line": self.product_line,
                "registered": True,
                "days_registration_to_close": (self.closed_on - self.registered_on).days,
            },
            "partner": {
                "id": self.partner_id,
                "tier": self.tier.value,
                "status": self.partner_status,
                "attainment": attainment,
            },
        }


def price_deal(
    policy: Policy[CommissionPlanPolicy],
    deal: ClosedDeal,
    year_to_date_before: Decimal,
    decide: Callable[[dict[str, Any]], Decision[CommissionAction]] | None = None,
) -> tuple[Decision[CommissionAction], CommissionCalculation | None]:
    """The plan's decision on the deal and, unless it excludes it, the commission. A deal in
    another currency than the plan's is not priced (ValueError): its amount would be booked as
    if it were the plan's currency (measured before: a USD deal accrued a EUR commission)."""
    if deal.currency != policy.document.currency:
        raise ValueError(f"the deal is in {deal.currency}, the plan pays in {policy.document.currency}")
    decision = (decide or policy.decide)(
        deal.facts(attainment(policy.document, deal.tier, year_to_date_before))
    )
    if decision.outcome == "exclude":
        return decision, None
    calculation = calculate_commission(
        policy.document,
        tier=deal.tier,
        product_line=deal.product_line,
        amount=deal.amount,
        year_to_date_before=year_to_date_before,
    )
    return decision, calculation


def accrue_deal(
    session: Session, registration_id: int, *, plan_for: PlanForDate, now: datetime
) -> AccrualResult:
    """Accrue the commission of one won deal under the plan in force at its close date.

    Safe to call any number of times: the (registration, kind) unique key lets one line exist.
    """
    deals = closed_deals(session, col(Registration.id) == registration_id)
    if not deals:
        return AccrualResult(registration_id, "not-won")
    existing = line_of(session, registration_id, LineKind.ACCRUAL)
    if existing is not None:
        return AccrualResult(registration_id, "already-accrued", existing.id)
    return _accrue(session, deals, year_to_date(session, deals), plan_for=plan_for, now=now)[0]


def accrue_missing(session: Session, *, plan_for: PlanForDate, now: datetime) -> list[AccrualResult]:
    """Catch-up: accrue every won deal that has no line yet (a missed event, a server down)."""
    has_line = select(CommissionLine.registration_id).where(CommissionLine.kind == LineKind.ACCRUAL)
    deals = closed_deals(session, ~col(Registration.id).in_(has_line))
    return _accrue(session, deals, year_to_date(session, deals), plan_for=plan_for, now=now)


def closed_deals(session: Session, *conditions: ColumnElement[bool]) -> list[ClosedDeal]:
    """Won registrations matching ``conditions``, oldest close first."""
    rows = (
        session.connection()
        .execute(  # Core rows: no ORM loading for 100,000 deals
            sa_select(
                col(Registration.id),
                col(Registration.partner_id),
                col(Partner.tier),
                col(Partner.status),
                _AS_STORED,
                col(Registration.currency),
                col(Registration.product_lines),
                col(Registration.closed_on),
                col(Registration.submitted_at),
            )
            .join(Partner, col(Partner.id) == col(Registration.partner_id))
            .where(col(Registration.status) == RegistrationStatus.WON)
            .where(*conditions)
            .order_by(col(Registration.closed_on), col(Registration.id))
        )
        .all()
    )
    return [
        ClosedDeal(
            registration_id=row[0],
            partner_id=row[1],
            tier=PartnerTier(row[2]),
            partner_status=str(getattr(row[3], "value", row[3])),
            amount=_amount_read(row[4]),
            currency=row[5],
            product_line=row[6][0] if row[6] else "default",
            closed_on=row[7],
            registered_on=programme_date(row[8]),
        )
        for row in rows
        if row[0] is not None and row[1] is not None and row[7] is not None
    ]


_AS_STORED = type_coerce(col(Registration.closed_amount), String)
"""A closed amount as the database holds it, not through the column's decimal conversion: SQLite
keeps whatever was written, and a text NaN in one row made that conversion raise and stopped the
accrual of every deal (0 of 10 good deals accrued)."""
NOT_A_NUMBER = Decimal("NaN")
CENT = Decimal("0.01")


def _amount_read(stored: object) -> Decimal:
    """The stored closed amount in cents; missing or not a number reads NaN, which pricing sets
    aside with its reason (a deal without its amount was skipped in silence before)."""
    try:
        amount = Decimal(str(stored)) if stored is not None else NOT_A_NUMBER
    except ArithmeticError:
        return NOT_A_NUMBER
    return amount.quantize(CENT) if amount.is_finite() else amount


def year_to_date(session: Session, deals: Iterable[ClosedDeal]) -> dict[int, Decimal]:
    """For each deal, its partner's won revenue closed earlier in the same year (ties by id).

    One query over the partners' won deals of the years concerned, then running sums.
    """
    wanted = {deal.registration_id for deal in deals}
    keys = {(deal.partner_id, deal.closed_on.year) for deal in deals}
    if not keys:
        return {}
    years = sorted({year for _, year in keys})
    rows = (
        session.connection()
        .execute(
            sa_select(
                col(Registration.id),
                col(Registration.partner_id),
                col(Registration.closed_on),
                _AS_STORED,
            )
            .where(col(Registration.status) == RegistrationStatus.WON)
            .where(col(Registration.partner_id).in_(sorted({partner for partner, _ in keys})))
            .where(col(Registration.closed_on) >= date(years[0], 1, 1))
            .where(col(Registration.closed_on) <= date(years[-1], 12, 31))
            .order_by(col(Registration.closed_on), col(Registration.id))
        )
        .all()
    )
    running: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    before: dict[int, Decimal] = {}
    for registration_id, partner_id, closed_on, amount in rows:
        if registration_id is None or partner_id is None or closed_on is None:
            continue
        key = (partner_id, closed_on.year)
        if registration_id in wanted:
            before[registration_id] = running[key]
        counted = _amount_read(amount)
        running[key] += counted if counted.is_finite() else 0  # a poisoned deal is set aside itself
    return before


@dataclass
class _Pricing:
    """Deals priced in one pass: their new lines, those set aside, and the audit events."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    set_aside: list[AccrualResult] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def _price_all(
    deals: list[ClosedDeal], before: dict[int, Decimal], *, plan_for: PlanForDate, now: datetime
) -> _Pricing:
    """Price every deal; one that the plan excludes or that cannot be priced is set aside alone."""
    plans: dict[date, Policy[CommissionPlanPolicy]] = {}
    deciders: dict[str, Callable[[dict[str, Any]], Decision[CommissionAction]]] = {}
    pricing = _Pricing()
    for deal in deals:
        try:
            if deal.amount.is_nan():
                raise ValueError("the closed amount stored is missing or not a number")
            policy = plans.get(deal.closed_on) or plans.setdefault(deal.closed_on, plan_for(deal.closed_on))
            decide = deciders.get(policy.stamp.sha256) or deciders.setdefault(
                policy.stamp.sha256, policy.memoized()
            )
            decision, calculation = price_deal(
                policy, deal, before.get(deal.registration_id, Decimal(0)), decide
            )
            line = _line(deal, policy, calculation, now) if calculation is not None else None
        except UNPRICEABLE as error:
            reason = unpriceable_reason(deal, error)
            pricing.set_aside.append(AccrualResult(deal.registration_id, "exception", reason=reason))
            pricing.events.append(_event(deal, "commission.exception", None, {"reason": reason}, now))
            continue
        if line is None:
            pricing.set_aside.append(
                AccrualResult(deal.registration_id, "excluded", None, None, decision.rule_id, decision.reason)
            )
            pricing.events.append(
                _event(deal, "commission.excluded", decision, {"reason": decision.reason}, now)
            )
            continue
        pricing.lines.append(line)
    return pricing


def _accrue(
    session: Session,
    deals: list[ClosedDeal],
    before: dict[int, Decimal],
    *,
    plan_for: PlanForDate,
    now: datetime,
) -> list[AccrualResult]:
    """Price the deals, insert their lines (a line that exists already is skipped), audit each."""
    pricing = _price_all(deals, before, plan_for=plan_for, now=now)
    lines, excluded, events = pricing.lines, pricing.set_aside, pricing.events
    inserted = insert_new_lines(session, lines)
    priced = {line["registration_id"]: line["amount"] for line in lines}
    accrued = [
        AccrualResult(registration_id, "accrued", inserted[registration_id], priced[registration_id])
        if registration_id in inserted
        else AccrualResult(registration_id, "already-accrued")
        for registration_id in priced
    ]
    if inserted:  # each line carries its plan stamp and explanation; one event sums up the run
        total = sum((priced[registration_id] for registration_id in inserted), Decimal(0))
        events.append(
            {
                **_event(
                    deals[0], "commission.accrued", None, {"lines": len(inserted), "total": str(total)}, now
                ),
                "subject_type": "registration" if len(inserted) == 1 else "accrual-run",
                "subject_id": str(next(iter(inserted))) if len(inserted) == 1 else now.isoformat(),
            }
        )
    record_events(session, events)
    return excluded + accrued


def unpriceable_reason(deal: ClosedDeal, error: Exception) -> str:
    """One line for the finance team: the deal, what is wrong with it, and what the error said."""
    return (
        f"registration {deal.registration_id} (amount {deal.amount} {deal.currency}, closed "
        f"{deal.closed_on.isoformat()}) cannot be priced: {str(error) or type(error).__name__}"
    )


def accrual_exceptions(session: Session, *, plan_for: PlanForDate, now: datetime) -> list[AccrualResult]:
    """Won deals without a line that cannot be priced, each with its reason; nothing is written."""
    has_line = select(CommissionLine.registration_id).where(CommissionLine.kind == LineKind.ACCRUAL)
    deals = closed_deals(session, ~col(Registration.id).in_(has_line))
    pricing = _price_all(deals, year_to_date(session, deals), plan_for=plan_for, now=now)
    return [result for result in pricing.set_aside if result.outcome == "exception"]


def _line(
    deal: ClosedDeal, policy: Policy[CommissionPlanPolicy], calculation: CommissionCalculation, now: datetime
) -> dict[str, Any]:
    return {
        "registration_id": deal.registration_id,
        "partner_id": deal.partner_id,
        "kind": LineKind.ACCRUAL,
        "status": LineStatus.ACCRUED,
        "amount": calculation.commission,
        "currency": policy.document.currency,
        "deal_amount": deal.amount,
        "product_line": deal.product_line,
        "closed_on": deal.closed_on,
        "payable_from": deal.closed_on + timedelta(days=policy.document.hold_days),
        "plan_version": policy.stamp.version,
        "plan_sha256": policy.stamp.sha256,
        "explanation": calculation.explanation(),
        "details": calculation.facts(),
        "created_at": now,
    }


def _event(
    deal: ClosedDeal,
    action: str,
    decision: Decision[CommissionAction] | None,
    details: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    stamp = decision.stamp if decision is not None else None
    return {
        "occurred_at": now,
        "actor": ACTOR,
        "action": action,
        "subject_type": "registration",
        "subject_id": str(deal.registration_id),
        "policy_kind": stamp.kind if stamp else "commission_plan",
        "policy_version": stamp.version if stamp else None,
        "policy_sha256": stamp.sha256 if stamp else None,
        "rule_id": decision.rule_id if decision is not None else None,
        "details": details,
    }


def insert_new_lines(session: Session, lines: list[dict[str, Any]]) -> dict[int, int]:
    """Insert the lines, skipping deals that already have one; ``registration id -> line id`` of
    those inserted. On PostgreSQL through COPY (psycopg re-parses every large multi-row INSERT)."""
    if not lines:
        return {}
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _copy_new_lines(connection.connection.driver_connection, lines)
    returning = _insert_lines().returning(col(CommissionLine.registration_id), col(CommissionLine.id))
    return {int(row[0]): int(row[1] or 0) for row in connection.execute(returning, lines).all()}


_COPIED = (
    "registration_id", "partner_id", "kind", "status", "amount", "currency", "deal_amount", "product_line",
    "closed_on", "payable_from", "plan_version", "plan_sha256", "explanation", "details", "created_at",
)  # fmt: skip


def _copy_new_lines(driver: Any, lines: list[dict[str, Any]]) -> dict[int, int]:
    """COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING."""
    columns = ", ".join(_COPIED)
    with driver.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS incoming_lines")
        cursor.execute(
            "CREATE TEMP TABLE incoming_lines ON COMMIT DROP AS "
            f"SELECT {columns} FROM commissionline WITH NO DATA"
        )
        with cursor.copy(f"COPY incoming_lines ({columns}) FROM STDIN") as copy:
            for line in lines:
                copy.write_row([_copy_value(line[name]) for name in _COPIED])
        cursor.execute(
            f"INSERT INTO commissionline ({columns}) SELECT {columns} FROM incoming_lines "
            "ON CONFLICT (registration_id, kind) DO NOTHING RETURNING registration_id, id"
        )
        return {int(registration_id): int(line_id) for registration_id, line_id in cursor.fetchall()}


def _copy_value(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


@lru_cache(maxsize=1)
def _insert_lines() -> Insert:
    """SQLite's INSERT … ON CONFLICT (registration_id, kind) DO NOTHING: a concurrent accrual wins once."""
    table = CommissionLine.__table__  # type: ignore[attr-defined]  # Core, not the ORM's bulk path
    return sqlite_insert(table).on_conflict_do_nothing(index_elements=["registration_id", "kind"])


def line_of(session: Session, registration_id: int, kind: LineKind) -> CommissionLine | None:
    """The deal's line of ``kind`` (accrual or clawback), if any: there is at most one."""
    return session.exec(
        select(CommissionLine)
        .where(CommissionLine.registration_id == registration_id)
        .where(CommissionLine.kind == kind)
    ).first()
