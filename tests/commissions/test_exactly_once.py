"""Exactly once: a settlement that crashes between (or inside) any two steps and is run again
pays each deal once, writes one payment file for the period and sends one statement per partner."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.approvals import Refused, links_for, unsealer
from partnerflow.commissions.accrual import accrue_missing
from partnerflow.commissions.periods import Period
from partnerflow.commissions.settlement import (
    apply_finance_answers,
    batch_for,
    mark_paid,
    open_settlement,
    prepare_payment,
    save_payment_files,
    settlement_subject,
)
from partnerflow.commissions.statements import queue_statement_emails
from partnerflow.models import (
    BatchStatus,
    CommissionLine,
    LineKind,
    SettlementBatch,
    Statement,
    StatementStatus,
)
from partnerflow.notify import MailSink, deliver_pending
from partnerflow.registration.intake import IntakeResult
from partnerflow.settings import Settings
from tests.commissions.ledger import NOW, PAYER, plan_for, rows, won
from tests.factories import RENDERER, answer_as, applying, ask

PERIOD = Period(2027, 3)
STEPS = ("accrual", "statement", "approval", "file", "mark paid", "e-mail")


class Crash(Exception):
    """The process dies here."""


def _batch_id(session: Session) -> int:
    batch = batch_for(session, PERIOD)
    assert batch is not None and batch.id is not None
    return batch.id


def settle(engine: Engine, settings: Settings, *, crash_after: str = "", crash_inside: str = "") -> None:
    """The settlement flow's steps in its order, each in its own transaction like its task."""
    actions: dict[str, Callable[[Session], object]] = {
        "accrual": lambda s: accrue_missing(s, plan_for=plan_for, now=NOW),
        "statement": lambda s: open_settlement(s, PERIOD, plan=plan_for(PERIOD.last_day), now=NOW),
        "approval": lambda s: _finance_approves(s, _batch_id(s)),
        "file": lambda s: prepare_payment(s, _batch_id(s), payer=PAYER, now=NOW),
        "mark paid": lambda s: mark_paid(s, _batch_id(s), now=NOW),
        "e-mail": lambda s: queue_statement_emails(s, s.get(SettlementBatch, _batch_id(s)), RENDERER),  # type: ignore[arg-type]
    }
    for step in STEPS:
        with Session(engine) as session:
            result = actions[step](session)
            if step == crash_inside:
                raise Crash(step)  # before the commit: the transaction is lost
            session.commit()
        if step == "file":
            save_payment_files(settings.payments_dir / str(PERIOD), result)  # type: ignore[arg-type]
        if step == "e-mail":
            asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
        if step == crash_after:
            raise Crash(step)


@pytest.fixture
def closed_deals(engine: Engine, payees: dict[str, int], submit: Callable[..., IntakeResult]) -> list[int]:
    """Three won deals of two partners, 21,000 of commission: above the finance threshold."""
    return [
        won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a"),
        won(engine, submit, payees["first"], "100000", date(2027, 1, 6), "b"),
        won(engine, submit, payees["second"], "100000", date(2027, 1, 7), "c"),
    ]


def payment_files(settings: Settings) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((settings.payments_dir / str(PERIOD)).glob("*"))}


@pytest.mark.parametrize("where", ["after", "inside"])
@pytest.mark.parametrize("step", STEPS)
def test_a_crashed_settlement_run_again_pays_each_deal_exactly_once(
    engine: Engine,
    settings: Settings,
    smtp_server: MailSink,
    payees: dict[str, int],
    closed_deals: list[int],
    step: str,
    where: str,
) -> None:
    with pytest.raises(Crash):
        settle(engine, settings, **{f"crash_{where}": step})
    files_before = payment_files(settings) if settings.payments_dir.exists() else {}
    settle(engine, settings)
    settle(engine, settings)  # a third run, after success, changes nothing either

    [batch] = rows(engine, SettlementBatch)
    assert batch.status == BatchStatus.PAID
    statements = rows(engine, Statement)
    assert sorted(s.partner_id for s in statements) == sorted([payees["first"], payees["second"]])
    assert {s.status for s in statements} == {StatementStatus.PAID}
    paid_on = {s.id for s in statements}
    accruals = [line for line in rows(engine, CommissionLine) if line.kind == LineKind.ACCRUAL]
    assert sorted(line.registration_id for line in accruals) == sorted(closed_deals)
    assert all(line.statement_id in paid_on for line in accruals)
    files = payment_files(settings)
    assert sorted(files) == sorted([f"{batch.payment_id}.csv", f"{batch.payment_id}.xml"])
    assert all(files_before[name] == files[name] for name in files_before)  # the same file, not a new one
    statement_mails = [m for m in smtp_server.messages() if "commissions" in str(m["Subject"]).lower()]
    assert len(statement_mails) == len(statements)


def _finance_approves(session: Session, batch_id: int) -> object:
    """Finance asked (once), finance1 answers with their link, the batch applies it; a replay after
    a crash finds the answer stored and the link used."""
    subject = settlement_subject(batch_id)
    ask(session, subject, "finance", now=NOW)
    recorded = answer_as(session, subject, "finance1@vendor.example", "approve", now=NOW)
    assert not isinstance(recorded, Refused) or "already used" in recorded.reason
    return apply_finance_answers(applying(session, now=NOW), batch_id)
