"""Four settlements of one month at once, each in its own process: one payment file, each line paid once.

Measured before the batch was locked: on PostgreSQL, four racers wrote 2 then 4 distinct pain.001
files for one month (each with its own message id: a bank given both pays twice), and every racer
reported all statements as marked paid by itself.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.commissions.settlement import mark_paid, prepare_payment, save_payment_files
from partnerflow.db import make_engine
from partnerflow.models import AuditEvent, BatchStatus, CommissionLine, SettlementBatch, Statement
from partnerflow.registration.intake import IntakeResult
from partnerflow.settings import Settings
from tests.commissions.ledger import NOW, PAYER, accrue_all, answer, open_batch, rows, won

RACERS = 4
PERIOD = "2027-03"


def settle_in_own_process(url: str, batch_id: int, folder: str, start: Any, results: Any) -> None:
    """One settlement run's payment steps, as its tasks do them: file, then mark paid."""
    engine = make_engine(url)
    start.wait()
    with Session(engine) as session:
        files = prepare_payment(session, batch_id, payer=PAYER, now=NOW)
        session.commit()
    save_payment_files(Path(folder), files)
    with Session(engine) as session:
        paid = mark_paid(session, batch_id, now=NOW)
        session.commit()
    results.put((files.payment_id, paid))


def test_four_settlements_of_one_month_at_once_write_one_file_and_pay_each_statement_once(
    engine: Engine, settings: Settings, payees: dict[str, int], submit: Callable[..., IntakeResult]
) -> None:
    for customer, partner, day in (("a", "first", 5), ("b", "first", 6), ("c", "second", 7)):
        won(engine, submit, payees[partner], "100000", date(2027, 1, day), customer)
    accrue_all(engine)
    batch = open_batch(engine, PERIOD)
    assert batch.id is not None
    answer(engine, batch.id, "finance1@vendor.example")
    folder = settings.payments_dir / PERIOD
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(RACERS), context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    racers = [
        context.Process(target=settle_in_own_process, args=(url, batch.id, str(folder), start, results))
        for _ in range(RACERS)
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=120)
    assert [racer.exitcode for racer in racers] == [0] * RACERS

    outcomes = [results.get(timeout=5) for _ in range(RACERS)]
    [stored] = rows(engine, SettlementBatch)
    assert stored.status == BatchStatus.PAID
    assert {payment_id for payment_id, _ in outcomes} == {stored.payment_id}
    assert sorted(path.name for path in folder.iterdir()) == [
        f"{stored.payment_id}.csv",
        f"{stored.payment_id}.xml",
    ]
    statements = rows(engine, Statement)
    assert sum(paid for _, paid in outcomes) == len(statements) == 2
    assert len({line.statement_id for line in rows(engine, CommissionLine)}) == len(statements)
    audit = [event.action for event in rows(engine, AuditEvent) if event.subject_type == "settlement"]
    assert audit.count("settlement.file-written") == 1 and audit.count("settlement.paid") == 1
