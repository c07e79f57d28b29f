"""Accruing commission when a registered deal closes won: once per deal, with its explanation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from partnerflow.audit import record_event
from partnerflow.commissions.calculation import calculate_commission
from partnerflow.models import CommissionLine, LineKind, Partner, Registration, RegistrationStatus
from partnerflow.policy import CommissionPlanPolicy, Policy

ACTOR = "system:commission-accrual"
PlanForDate = Callable[[date], Policy[CommissionPlanPolicy]]


@dataclass(frozen=True)
class AccrualResult:
    registration_id: int
    outcome: str  # accrued, already-accrued, excluded, not-won
    line_id: int | None = None
    amount: Decimal | None = None
    rule_id: str | None = None
    reason: str | None = None


def accrue_deal(
    session: Session, registration_id: int, *, plan_for: PlanForDate, now: datetime
) -> AccrualResult:
    """Accrue the commission of one won deal under the plan in force at its close date.

    Safe to call any number of times: the (registration, kind) unique key lets one line exist.
    """
    registration = session.get(Registration, registration_id)
    if (
        registration is None
        or registration.status != RegistrationStatus.WON
        or registration.partner_id is None
    ):
        return AccrualResult(registration_id, "not-won")
    existing = _existing(session, registration_id)
    if existing is not None:
        return AccrualResult(registration_id, "already-accrued", existing)
    partner = session.get(Partner, registration.partner_id)
    assert (
        partner is not None and registration.closed_on is not None and registration.closed_amount is not None
    )
    policy = plan_for(registration.closed_on)
    product_line = registration.product_lines[0] if registration.product_lines else "default"
    decision = policy.decide(
        {
            "deal": {
                "amount": float(registration.closed_amount),
                "currency": registration.currency,
                "product_line": product_line,
                "registered": True,
                "days_registration_to_close": (
                    registration.closed_on - registration.submitted_at.date()
                ).days,
            },
            "partner": {
                "id": partner.id,
                "tier": partner.tier.value,
                "status": partner.status.value,
                "attainment": 0.0,
            },
        }
    )
    if decision.outcome == "exclude":
        record_event(
            session,
            actor=ACTOR,
            action="commission.excluded",
            subject_type="registration",
            subject_id=registration_id,
            stamp=decision.stamp,
            rule_id=decision.rule_id,
            details={"reason": decision.reason},
        )
        return AccrualResult(registration_id, "excluded", rule_id=decision.rule_id, reason=decision.reason)
    calculation = calculate_commission(
        policy.document,
        tier=partner.tier,
        product_line=product_line,
        amount=registration.closed_amount,
        year_to_date_before=year_to_date(session, registration),
    )
    line = CommissionLine(
        registration_id=registration_id,
        partner_id=registration.partner_id,
        amount=calculation.commission,
        currency=policy.document.currency,
        deal_amount=registration.closed_amount,
        product_line=product_line,
        closed_on=registration.closed_on,
        payable_from=registration.closed_on + timedelta(days=policy.document.hold_days),
        plan_version=policy.stamp.version,
        plan_sha256=policy.stamp.sha256,
        explanation=calculation.explanation(),
        details={"year_to_date_before": str(calculation.year_to_date_before), "capped": calculation.capped},
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(line)
    except IntegrityError:  # a concurrent accrual of the same deal won the race
        return AccrualResult(registration_id, "already-accrued", _existing(session, registration_id))
    record_event(
        session,
        actor=ACTOR,
        action="commission.accrued",
        subject_type="registration",
        subject_id=registration_id,
        stamp=policy.stamp,
        rule_id=decision.rule_id,
        details={"amount": str(line.amount), "line_id": line.id},
    )
    return AccrualResult(registration_id, "accrued", line.id, line.amount, decision.rule_id)


def accrue_missing(session: Session, *, plan_for: PlanForDate, now: datetime) -> list[AccrualResult]:
    """Catch-up: accrue every won deal that has no line yet (a missed event, a server down)."""
    missing = session.exec(
        select(Registration.id)
        .where(Registration.status == RegistrationStatus.WON)
        .where(~col(Registration.id).in_(select(CommissionLine.registration_id)))
        .order_by(col(Registration.closed_on), col(Registration.id))
    ).all()
    return [
        accrue_deal(session, registration_id, plan_for=plan_for, now=now)
        for registration_id in missing
        if registration_id is not None
    ]


def year_to_date(session: Session, registration: Registration) -> Decimal:
    """The partner's won revenue closed earlier in the same calendar year (ties broken by id)."""
    assert registration.closed_on is not None
    start = date(registration.closed_on.year, 1, 1)
    earlier = (col(Registration.closed_on) < registration.closed_on) | (
        (col(Registration.closed_on) == registration.closed_on) & (col(Registration.id) < registration.id)
    )
    total = session.exec(
        select(func.coalesce(func.sum(Registration.closed_amount), 0))
        .where(Registration.partner_id == registration.partner_id)
        .where(Registration.status == RegistrationStatus.WON)
        .where(col(Registration.closed_on) >= start)
        .where(earlier)
    ).one()
    return Decimal(str(total))


def _existing(session: Session, registration_id: int) -> int | None:
    return session.exec(
        select(CommissionLine.id)
        .where(CommissionLine.registration_id == registration_id)
        .where(CommissionLine.kind == LineKind.ACCRUAL)
    ).first()
