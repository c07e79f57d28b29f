"""Helpers for commission tests: close deals won, accrue them, and run settlement steps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import DecisionOutcome, Refused
from partnerflow.commissions.accrual import AccrualResult, accrue_deal, accrue_missing
from partnerflow.commissions.payment_file import Payer
from partnerflow.commissions.periods import Period
from partnerflow.commissions.settlement import (
    PaymentFiles,
    apply_finance_answers,
    mark_paid,
    open_settlement,
    prepare_payment,
    settlement_subject,
)
from partnerflow.models import Partner, Role, SettlementBatch
from partnerflow.policy import PolicyLibrary
from partnerflow.registration.intake import IntakeResult
from partnerflow.registration.protection import close_registration
from partnerflow.settings import DEMO_PAYER_IBAN, PROJECT_ROOT
from tests.factories import CLOSED_AS_RECORDED, add_person, answer_as, applying, ask, submission

LIBRARY = PolicyLibrary.load(PROJECT_ROOT / "policies")
NOW = datetime(2027, 3, 1, tzinfo=UTC)
AFTER_MARCH_2027 = datetime(2027, 4, 2, 8, tzinfo=UTC)  # when a settlement of 2027-03 may run
PAYER = Payer("Vendor Test SAS", DEMO_PAYER_IBAN, "BNPAFRPPXXX")
VALID_IBAN = "FR1420041010050500013M02606"


def plan_for(day: date):  # type: ignore[no-untyped-def]
    return LIBRARY.in_force("commission_plan", day)


def won(
    engine: Engine,
    submit: Callable[..., IntakeResult],
    partner_id: int,
    amount: str,
    closed_on: date,
    customer: str,
) -> int:
    registration_id = submit(submission(partner_id, customer_email=f"buyer@{customer}.fr")).registration_id
    with Session(engine) as session:
        close_registration(
            session,
            registration_id,
            won=True,
            amount=Decimal(amount),
            closed_on=closed_on,
            actor="test",
            close_review=CLOSED_AS_RECORDED,
            now=datetime.combine(closed_on, time(17), tzinfo=UTC),
        )
        session.commit()
    return registration_id


def accrue(engine: Engine, registration_id: int, now: datetime = NOW) -> AccrualResult:
    with Session(engine) as session:
        result = accrue_deal(session, registration_id, plan_for=plan_for, now=now)
        session.commit()
        return result


def accrue_all(engine: Engine, now: datetime = NOW) -> list[AccrualResult]:
    with Session(engine) as session:
        results = accrue_missing(session, plan_for=plan_for, now=now)
        session.commit()
        return results


def give_iban(engine: Engine, partner_id: int, iban: str | None = VALID_IBAN) -> None:
    with Session(engine) as session:
        partner = session.get(Partner, partner_id)
        assert partner is not None
        partner.iban, partner.bic = iban, "CCBPFRPPXXX"
        session.add(partner)
        session.commit()


def add_finance(engine: Engine, *emails: str) -> None:
    with Session(engine) as session:
        for email in emails:
            add_person(session, email, Role.FINANCE)
        session.commit()


def open_batch(engine: Engine, period: str, now: datetime = NOW) -> SettlementBatch:
    target = Period.parse(period)
    with Session(engine, expire_on_commit=False) as session:
        batch = open_settlement(session, target, plan=plan_for(target.last_day), now=now)
        session.commit()
        return batch


def answer(engine: Engine, batch_id: int, email: str, decision: str = "approve") -> DecisionOutcome | Refused:
    """Finance is asked (once); ``email`` answers with their personal link; the batch applies it."""
    with Session(engine) as session:
        batch = session.get(SettlementBatch, batch_id)
        assert batch is not None
        subject = settlement_subject(batch_id)
        ask(session, subject, "finance", approvers_required=max(batch.approvals_needed, 1), now=NOW)
        recorded = answer_as(session, subject, email, decision, now=NOW)
        outcome = apply_finance_answers(applying(session, now=NOW), batch_id)
        session.commit()
        return recorded if isinstance(recorded, Refused) else outcome


def pay(engine: Engine, batch_id: int, now: datetime = NOW) -> PaymentFiles:
    """Write the payment file and mark the batch paid."""
    with Session(engine) as session:
        files = prepare_payment(session, batch_id, payer=PAYER, now=now)
        session.commit()
    with Session(engine) as session:
        mark_paid(session, batch_id, now=now)
        session.commit()
    return files


def rows(engine: Engine, model: Any) -> list[Any]:
    with Session(engine) as session:
        return list(session.exec(select(model)).all())
