"""Reversing a deal: cancelled before settlement, clawed back (and netted) after payment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.commissions.reversal import ReversalResult, reverse_deal
from partnerflow.models import AuditEvent, CommissionLine, LineKind, LineStatus, Statement
from partnerflow.registration.intake import IntakeResult
from tests.commissions.ledger import NOW, accrue_all, give_iban, open_batch, pay, plan_for, rows, won

Submit = Callable[..., IntakeResult]


def reverse(engine: Engine, registration_id: int, reason: str = "customer refunded") -> ReversalResult:
    with Session(engine) as session:
        result = reverse_deal(
            session,
            registration_id,
            reason=reason,
            actor="finance1@vendor.example",
            plan_for=plan_for,
            now=NOW,
        )
        session.commit()
        return result


def test_a_deal_reversed_before_settlement_is_cancelled_and_never_paid(
    engine: Engine, network: dict[str, int], submit: Submit
) -> None:
    give_iban(engine, network["first"])
    deal = won(engine, submit, network["first"], "100000", date(2027, 1, 5), "a")
    accrue_all(engine)
    assert reverse(engine, deal).outcome == "cancelled"
    open_batch(engine, "2027-03")
    assert not rows(engine, Statement)
    [line] = rows(engine, CommissionLine)
    assert line.status == LineStatus.CANCELLED


def test_a_deal_reversed_after_payment_is_clawed_back_from_the_next_statement(
    engine: Engine, network: dict[str, int], submit: Submit
) -> None:
    give_iban(engine, network["first"])
    refunded = won(engine, submit, network["first"], "100000", date(2027, 1, 5), "a")
    accrue_all(engine)
    march = open_batch(engine, "2027-03")
    assert march.id is not None
    pay(engine, march.id)
    result = reverse(engine, refunded)
    assert (result.outcome, result.amount) == ("clawed-back", Decimal("-7000.00"))
    won(engine, submit, network["first"], "150000", date(2027, 2, 1), "b")  # 10,500, payable 2027-04-02
    accrue_all(engine)
    open_batch(engine, "2027-04")
    april = next(s for s in rows(engine, Statement) if s.period == "2027-04")
    assert (april.earned, april.clawed_back, april.net) == (
        Decimal("10500.00"),
        Decimal("-7000.00"),
        Decimal("3500.00"),
    )


def test_reversing_a_deal_twice_changes_nothing(
    engine: Engine, network: dict[str, int], submit: Submit
) -> None:
    give_iban(engine, network["first"])
    deal = won(engine, submit, network["first"], "100000", date(2027, 1, 5), "a")
    accrue_all(engine)
    batch = open_batch(engine, "2027-03")
    assert batch.id is not None
    pay(engine, batch.id)
    reverse(engine, deal)
    assert reverse(engine, deal).outcome == "already-reversed"
    assert len([line for line in rows(engine, CommissionLine) if line.kind == LineKind.CLAWBACK]) == 1


def test_a_won_deal_reversed_before_its_accrual_ran_is_never_paid_by_the_catch_up(
    engine: Engine, network: dict[str, int], submit: Submit
) -> None:
    deal = won(engine, submit, network["first"], "100000", date(2027, 1, 5), "a")
    assert reverse(engine, deal).outcome == "cancelled"
    assert accrue_all(engine) == []
    [line] = rows(engine, CommissionLine)
    assert line.status == LineStatus.CANCELLED


def test_a_reversal_is_audited_with_its_reason(
    engine: Engine, network: dict[str, int], submit: Submit
) -> None:
    deal = won(engine, submit, network["first"], "100000", date(2027, 1, 5), "a")
    accrue_all(engine)
    reverse(engine, deal, reason="order cancelled by the customer")
    [event] = [e for e in rows(engine, AuditEvent) if e.action == "commission.cancelled"]
    assert event.details["reason"] == "order cancelled by the customer"


def test_a_reversal_without_a_reason_is_refused(
    engine: Engine, network: dict[str, int], submit: Submit
) -> None:
    deal = won(engine, submit, network["first"], "100000", date(2027, 1, 5), "a")
    with pytest.raises(ValueError, match="needs a reason"):
        reverse(engine, deal, reason="  ")
