"""The settlement's bulk SQL (multi-row upserts with RETURNING, the correlated UPDATE) on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.models import BatchStatus, CommissionLine, LineStatus, Statement, StatementStatus
from partnerflow.registration.intake import take_in
from partnerflow.registration.protection import close_registration
from tests.commissions.ledger import NOW, VALID_IBAN, accrue_all, add_finance, answer, open_batch, pay, rows
from tests.factories import CLOSED_AS_RECORDED, POLICY, RENDERER, gold_partner, submission
from tests.factories import NOW as SUBMITTED


def close_won(engine: Engine, partner_id: int, amount: str, customer: str) -> int:
    with Session(engine) as session:
        result = take_in(
            session,
            submission(partner_id, customer_email=f"buyer@{customer}.fr"),
            policy=POLICY,
            renderer=RENDERER,
            now=SUBMITTED,
        )
        close_registration(
            session,
            result.registration_id,
            won=True,
            amount=Decimal(amount),
            closed_on=date(2027, 1, 5),
            actor="test",
            close_review=CLOSED_AS_RECORDED,
            now=datetime.combine(date(2027, 1, 5), time(17), tzinfo=UTC),
        )
        session.commit()
        return result.registration_id


def test_a_settlement_on_postgresql_accrues_settles_approves_and_pays_once(postgres_engine: Engine) -> None:
    with Session(postgres_engine) as session:
        first = gold_partner(session, "Azur Réseaux SAS", "contact@azur.example")
        second = gold_partner(session, "Boréal Systèmes SARL", "contact@boreal.example")
        first.iban = second.iban = VALID_IBAN
        session.add_all([first, second])
        session.commit()
        ids = [first.id or 0, second.id or 0]
    add_finance(postgres_engine, "finance1@vendor.example")
    deals = [
        close_won(postgres_engine, ids[0], "100000", "a"),
        close_won(postgres_engine, ids[1], "100000", "b"),
    ]
    assert [r.outcome for r in accrue_all(postgres_engine, NOW)] == ["accrued", "accrued"]
    assert accrue_all(postgres_engine, NOW) == []
    batch = open_batch(postgres_engine, "2027-03")
    assert batch.id is not None and batch.status == BatchStatus.AWAITING_APPROVAL
    assert getattr(answer(postgres_engine, batch.id, "finance1@vendor.example"), "status", None) == "approved"
    files = pay(postgres_engine, batch.id)
    assert pay(postgres_engine, batch.id).sepa_xml == files.sepa_xml
    assert {s.status for s in rows(postgres_engine, Statement)} == {StatementStatus.PAID}
    lines = rows(postgres_engine, CommissionLine)
    assert sorted(line.registration_id for line in lines) == sorted(deals)
    assert {line.status for line in lines} == {LineStatus.SETTLED}
