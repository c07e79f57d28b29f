"""Reversing a deal's commission after a refund or a cancellation.

Before settlement the accrual is simply cancelled: it will never be paid. Once it sits on a
statement, money may already have left, so a negative *clawback* line is created instead; it is
payable at once and nets against the partner's next settlement. Both are idempotent: a deal has
one accrual and at most one clawback (the table's unique key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.commissions.accrual import PlanForDate, accrue_deal, line_of
from partnerflow.models import CommissionLine, LineKind, LineStatus, Registration


@dataclass(frozen=True)
class ReversalResult:
    registration_id: int
    outcome: str  # cancelled, clawed-back, already-reversed, nothing-accrued
    amount: Decimal = Decimal(0)
    line_id: int | None = None
    detail: str = ""


def reverse_deal(
    session: Session, registration_id: int, *, reason: str, actor: str, plan_for: PlanForDate, now: datetime
) -> ReversalResult:
    """Cancel or claw back the commission of one deal; safe to repeat.

    A won deal whose accrual has not run yet is accrued first, so the catch-up cannot pay it later.
    """
    if not reason.strip():
        raise ValueError("a reversal needs a reason (it is shown to finance and kept in the audit trail)")
    if session.get(Registration, registration_id) is None:
        raise ValueError(f"deal {registration_id} does not exist")
    accrual = line_of(session, registration_id, LineKind.ACCRUAL)
    if accrual is None:
        result = accrue_deal(session, registration_id, plan_for=plan_for, now=now)
        if result.outcome not in ("accrued", "already-accrued"):
            detail = result.reason or f"the deal is {result.outcome}"
            return ReversalResult(registration_id, "nothing-accrued", detail=detail)
        accrual = line_of(session, registration_id, LineKind.ACCRUAL)
        assert accrual is not None
    if accrual.status is LineStatus.CANCELLED or line_of(session, registration_id, LineKind.CLAWBACK):
        return ReversalResult(registration_id, "already-reversed", detail="reversed earlier")
    if accrual.status is LineStatus.ACCRUED:
        accrual.status = LineStatus.CANCELLED
        accrual.details = {
            **accrual.details,
            "cancelled": {"reason": reason, "by": actor, "at": now.isoformat()},
        }
        session.add(accrual)
        _audit(session, registration_id, actor, "commission.cancelled", accrual.amount, reason, now=now)
        return ReversalResult(registration_id, "cancelled", accrual.amount, accrual.id)
    clawback = CommissionLine(
        registration_id=registration_id,
        partner_id=accrual.partner_id,
        kind=LineKind.CLAWBACK,
        amount=-accrual.amount,
        currency=accrual.currency,
        deal_amount=accrual.deal_amount,
        product_line=accrual.product_line,
        closed_on=accrual.closed_on,
        payable_from=programme_date(now),
        plan_version=accrual.plan_version,
        plan_sha256=accrual.plan_sha256,
        explanation=[f"clawback of the commission paid on statement {accrual.statement_id}: {reason}"],
        details={"reverses_line": accrual.id, "reason": reason, "by": actor},
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(clawback)
    except IntegrityError:  # a concurrent reversal created it first
        return ReversalResult(registration_id, "already-reversed", detail="reversed concurrently")
    _audit(session, registration_id, actor, "commission.clawed-back", clawback.amount, reason, now=now)
    return ReversalResult(registration_id, "clawed-back", clawback.amount, clawback.id)


def _audit(
    session: Session,
    registration_id: int,
    actor: str,
    action: str,
    amount: Decimal,
    reason: str,
    *,
    now: datetime,
) -> None:
    record_event(
        session,
        now=now,
        actor=actor,
        action=action,
        subject_type="registration",
        subject_id=registration_id,
        details={"amount": str(amount), "reason": reason},
    )
