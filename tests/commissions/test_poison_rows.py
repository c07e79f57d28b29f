"""A deal that cannot be priced is set aside with its reason; every other partner is accrued and paid.

Measured before: a deal closed with an amount of Infinity, or on a date no plan covers, made the
catch-up raise, and since every settlement runs the catch-up first, no partner was paid. Closing
now refuses such values; rows recorded before that (or written by other means) are what these
tests plant.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy import text as sql
from sqlmodel import Session
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.commissions.statements import batch_markdown
from partnerflow.models import AuditEvent, CommissionLine, Registration, SettlementBatch
from partnerflow.registration.intake import IntakeResult
from tests.commissions.ledger import accrue_all, open_batch, rows, won


def poisoned(
    engine: Engine,
    submit: Callable[..., IntakeResult],
    partner_id: int,
    amount: str,
    closed_on: date,
    name: str,
    currency: str = "EUR",
) -> int:
    """A won deal whose stored amount, close date or currency no plan can price (a row from
    before the checks)."""
    registration_id = won(engine, submit, partner_id, "1000", date(2027, 1, 6), name)
    with Session(engine) as session:
        registration = session.get(Registration, registration_id)
        assert registration is not None
        registration.closed_amount, registration.closed_on = Decimal(amount), closed_on
        registration.currency = currency
        session.add(registration)
        session.commit()
    return registration_id


def stored_as_text(engine: Engine, submit: Callable[..., IntakeResult], partner_id: int, text: str) -> int:
    """A won deal whose closed amount SQLite holds as ``text`` (written by other means: SQLite
    keeps whatever a column is given)."""
    registration_id = won(engine, submit, partner_id, "1000", date(2027, 1, 6), text)
    with engine.begin() as connection:
        connection.execute(
            sql("UPDATE registration SET closed_amount = :text WHERE id = :id"),
            {"text": text, "id": registration_id},
        )
    return registration_id


def test_unpriceable_deals_are_set_aside_and_the_others_accrue(
    engine: Engine, payees: dict[str, int], submit: Callable[..., IntakeResult]
) -> None:
    good = won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "good")
    infinite = poisoned(engine, submit, payees["second"], "Infinity", date(2027, 1, 6), "infinite")
    not_a_number = stored_as_text(engine, submit, payees["second"], "NaN")
    a_word = stored_as_text(engine, submit, payees["second"], "douze mille")
    ancient = poisoned(engine, submit, payees["second"], "5000", date(1990, 1, 1), "ancient")
    dollars = poisoned(engine, submit, payees["second"], "5000", date(2027, 1, 7), "dollars", currency="USD")

    results = {result.registration_id: result for result in accrue_all(engine)}

    assert results[good].outcome == "accrued"
    poisoned_deals = (infinite, not_a_number, a_word, ancient, dollars)
    assert {results[deal].outcome for deal in poisoned_deals} == {"exception"}
    assert "amount Infinity EUR" in (results[infinite].reason or "")
    for unreadable in (not_a_number, a_word):
        assert "the closed amount stored is missing or not a number" in (results[unreadable].reason or "")
    assert "closed 1990-01-01" in (results[ancient].reason or "")
    assert "the deal is in USD, the plan pays in EUR" in (results[dollars].reason or "")
    assert [line.registration_id for line in rows(engine, CommissionLine)] == [good]
    audited = sorted(
        int(event.subject_id) for event in rows(engine, AuditEvent) if event.action == "commission.exception"
    )
    assert audited == sorted(poisoned_deals)


def test_the_exceptions_command_lists_each_set_aside_deal_with_its_reason(
    engine: Engine, payees: dict[str, int], submit: Callable[..., IntakeResult]
) -> None:
    won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "good")
    infinite = poisoned(engine, submit, payees["second"], "Infinity", date(2027, 1, 6), "infinite")
    accrue_all(engine)

    result = CliRunner().invoke(app, ["commissions", "exceptions", "--json"])

    assert result.exit_code == 0, result.output
    [listed] = json.loads(result.output)
    assert listed["registration_id"] == infinite and "cannot be priced" in listed["reason"]


def test_the_settlement_summary_lists_the_deals_set_aside_and_pays_the_others(
    engine: Engine, payees: dict[str, int], submit: Callable[..., IntakeResult]
) -> None:
    won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "good")
    infinite = poisoned(engine, submit, payees["second"], "Infinity", date(2027, 1, 6), "infinite")
    set_aside = [result for result in accrue_all(engine) if result.outcome == "exception"]
    batch = open_batch(engine, "2027-03")

    with Session(engine) as session:
        stored = session.get(SettlementBatch, batch.id)
        assert stored is not None
        summary = batch_markdown(session, stored, set_aside)

    assert "1 statements" in summary
    assert f"- deal #{infinite}: " in summary and "cannot be priced" in summary
