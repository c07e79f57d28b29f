"""Monthly settlement: what is payable, who is paid, who approves, and the payment file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import DecisionOutcome, Refused
from partnerflow.commissions.settlement import SettlementError, apply_finance_answers
from partnerflow.commissions.statements import queue_statement_emails
from partnerflow.models import (
    BatchStatus,
    CommissionLine,
    LineStatus,
    Notification,
    SettlementBatch,
    Statement,
    StatementStatus,
)
from partnerflow.registration.intake import IntakeResult
from tests.commissions.ledger import (
    NOW,
    PAYER,
    accrue_all,
    answer,
    give_iban,
    open_batch,
    pay,
    rows,
    won,
)
from tests.factories import RENDERER, applying

Submit = Callable[..., IntakeResult]
PAIN = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.03}"


def test_lines_still_in_their_hold_are_not_settled(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")  # payable 2027-03-06
    won(engine, submit, payees["first"], "50000", date(2027, 2, 15), "b")  # payable 2027-04-16
    accrue_all(engine)
    batch = open_batch(engine, "2027-03")
    assert batch.total == Decimal("7000.00")
    [held] = [line for line in rows(engine, CommissionLine) if line.statement_id is None]
    assert (held.status, held.payable_from) == (LineStatus.ACCRUED, date(2027, 4, 16))


def test_each_partner_gets_one_statement_for_the_period(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")
    won(engine, submit, payees["first"], "20000", date(2027, 1, 6), "b")
    won(engine, submit, payees["second"], "10000", date(2027, 1, 7), "c")
    accrue_all(engine)
    open_batch(engine, "2027-03")
    statements = {s.partner_id: s for s in rows(engine, Statement)}
    assert statements[payees["first"]].net == Decimal("8400.00")
    assert statements[payees["second"]].net == Decimal("700.00")
    assert open_batch(engine, "2027-03").total == Decimal("9100.00")  # the same batch, not a second one
    assert len(rows(engine, Statement)) == 2


def test_a_balance_under_the_minimum_payout_carries_forward(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    won(engine, submit, payees["first"], "2000", date(2027, 1, 5), "a")  # 140.00 < 200
    accrue_all(engine)
    march = open_batch(engine, "2027-03")
    assert march.carried_forward[0]["net"] == "140.00" and not rows(engine, Statement)
    won(engine, submit, payees["first"], "2000", date(2027, 2, 5), "b")
    accrue_all(engine)
    april = open_batch(engine, "2027-04")
    [statement] = rows(engine, Statement)
    assert (statement.period, statement.net, april.total) == ("2027-04", Decimal("280.00"), Decimal("280.00"))


def test_a_partner_with_an_invalid_iban_is_held_back_and_reported(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    give_iban(engine, payees["second"], "FR7630006000011234567890180")  # wrong check digits
    won(engine, submit, payees["first"], "10000", date(2027, 1, 5), "a")
    won(engine, submit, payees["second"], "10000", date(2027, 1, 5), "b")
    accrue_all(engine)
    batch = open_batch(engine, "2027-03")
    assert [s.partner_id for s in rows(engine, Statement)] == [payees["first"]]
    assert batch.held_back[0]["partner_id"] == payees["second"]
    assert "check digits" in batch.held_back[0]["reason"]
    give_iban(engine, payees["second"])
    open_batch(engine, "2027-04")
    assert {s.partner_id for s in rows(engine, Statement) if s.period == "2027-04"} == {payees["second"]}


def test_a_batch_under_the_finance_threshold_needs_no_approval(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")  # 7,000 <= 10,000
    accrue_all(engine)
    batch = open_batch(engine, "2027-03")
    assert (batch.status, batch.approvals_needed) == (BatchStatus.APPROVED, 0)


def test_only_the_finance_role_approves_a_batch_over_the_threshold(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")
    won(engine, submit, payees["second"], "100000", date(2027, 1, 5), "b")  # 14,000 in all
    accrue_all(engine)
    batch = open_batch(engine, "2027-03")
    assert (batch.status, batch.approvals_needed) == (BatchStatus.AWAITING_APPROVAL, 1)
    assert batch.id is not None
    refused = answer(engine, batch.id, "manager@vendor.example")
    assert refused == Refused(f"this code is not valid for settlement {batch.id}")
    assert answer(engine, batch.id, "finance1@vendor.example") == DecisionOutcome(
        True, "approved", "approved"
    )


def test_four_eyes_needs_two_different_finance_approvers(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    won(engine, submit, payees["first"], "400000", date(2027, 1, 5), "a")  # 30,625 each
    won(engine, submit, payees["second"], "400000", date(2027, 1, 5), "b")
    accrue_all(engine)
    batch = open_batch(engine, "2027-03")
    assert batch.id is not None and batch.approvals_needed == 2
    first = answer(engine, batch.id, "finance1@vendor.example")
    assert first == DecisionOutcome(False, "awaiting-approval", "1 of 2 approvals")
    again = answer(engine, batch.id, "finance1@vendor.example")
    assert isinstance(again, Refused) and "already used" in again.reason
    assert answer(engine, batch.id, "finance2@vendor.example") == DecisionOutcome(
        True, "approved", "approved"
    )


def test_applying_the_answers_again_counts_them_once(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    won(engine, submit, payees["first"], "400000", date(2027, 1, 5), "a")
    won(engine, submit, payees["second"], "400000", date(2027, 1, 5), "b")
    accrue_all(engine)
    batch = open_batch(engine, "2027-03")
    assert batch.id is not None
    answer(engine, batch.id, "finance1@vendor.example")
    with Session(engine) as session:
        replay = apply_finance_answers(applying(session, now=NOW), batch.id)
    assert replay == DecisionOutcome(False, "awaiting-approval", "awaiting-approval")


def test_a_rejected_batch_returns_its_lines_to_the_next_settlement(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")
    won(engine, submit, payees["second"], "100000", date(2027, 1, 5), "b")
    accrue_all(engine)
    march = open_batch(engine, "2027-03")
    assert march.id is not None
    assert answer(engine, march.id, "finance1@vendor.example", "reject") == DecisionOutcome(
        True, "rejected", "rejected: the lines return to the next settlement"
    )
    assert {s.status for s in rows(engine, Statement)} == {StatementStatus.REJECTED}
    with pytest.raises(SettlementError, match="only an approved batch is paid"):
        pay(engine, march.id)
    april = open_batch(engine, "2027-04")
    assert april.total == Decimal("14000.00")


def test_the_payment_file_is_a_valid_sepa_transfer_of_every_statement(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")
    won(engine, submit, payees["second"], "20000", date(2027, 1, 5), "b")
    accrue_all(engine)
    batch = open_batch(engine, "2027-03")
    assert batch.id is not None
    files = pay(engine, batch.id)
    document = ElementTree.fromstring(files.sepa_xml)
    assert document.findtext(f".//{PAIN}GrpHdr/{PAIN}NbOfTxs") == "2"
    assert document.findtext(f".//{PAIN}GrpHdr/{PAIN}CtrlSum") == "8400.00"
    assert document.findtext(f".//{PAIN}DbtrAcct//{PAIN}IBAN") == PAYER.iban
    references = sorted(e.text or "" for e in document.iter(f"{PAIN}EndToEndId"))
    assert references == [f"PF-2027-03-{payees['first']}", f"PF-2027-03-{payees['second']}"]
    assert files.csv.splitlines()[1].endswith(",7000.00,EUR,commission")


def test_the_payment_file_of_a_period_is_generated_once(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")
    accrue_all(engine)
    batch = open_batch(engine, "2027-03")
    assert batch.id is not None
    first, second = pay(engine, batch.id), pay(engine, batch.id)
    assert (first.payment_id, first.sepa_xml) == (second.payment_id, second.sepa_xml)
    [statement] = rows(engine, Statement)
    assert statement.status == StatementStatus.PAID


def test_a_month_with_nothing_payable_is_closed_without_a_file(
    engine: Engine, payees: dict[str, int]
) -> None:
    batch = open_batch(engine, "2027-03")
    assert (batch.status, batch.total, batch.payment_id) == (BatchStatus.PAID, Decimal(0), None)


def test_the_statement_email_explains_each_line_in_the_partners_language(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    won(engine, submit, payees["first"], "300000", date(2027, 1, 5), "a")  # crosses 250,000
    accrue_all(engine)
    batch = open_batch(engine, "2027-03")
    assert batch.id is not None
    answer(engine, batch.id, "finance1@vendor.example")
    pay(engine, batch.id)
    with Session(engine) as session:
        stored = session.get(SettlementBatch, batch.id)
        assert stored is not None
        assert queue_statement_emails(session, stored, RENDERER) == 1
        session.commit()
        [mail] = session.exec(
            select(Notification).where(Notification.template == "commission_statement")
        ).all()
    text = mail.text_body.replace("\u202f", " ").replace("\xa0", " ")
    assert "taux de base 7 %" in text
    assert "250 000,00 € dans la tranche 0,00 € à 250 000,00 €, à 7 % : 17 500,00 €" in text
    assert "50 000,00 € dans la tranche 250 000,00 € à 1 000 000,00 €, à 8,75 % : 4 375,00 €" in text
