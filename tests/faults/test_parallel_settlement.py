"""Four settlements of one month at once, each in its own process: one payment file, each line
(commission or referral reward) paid once.

Measured before the batch was locked: on PostgreSQL, four racers wrote 2 then 4 distinct pain.001
files for one month (each with its own message id: a bank given both pays twice), and every racer
reported all statements as marked paid by itself.
"""

from __future__ import annotations

from sqlalchemy import Engine

from partnerflow.models import (
    AuditEvent,
    BatchStatus,
    CommissionLine,
    ReferralReward,
    RewardPayout,
    SettlementBatch,
    Statement,
)
from partnerflow.settings import Settings
from tests.commissions.ledger import rows
from tests.faults.scenarios import approved_month, race_settlements

RACERS = 4
PERIOD = "2027-03"


def test_four_settlements_of_one_month_at_once_write_one_file_and_pay_each_statement_once(
    engine: Engine, settings: Settings
) -> None:
    batch_id = approved_month(engine, PERIOD)
    folder = settings.payments_dir / PERIOD
    outcomes = race_settlements(engine, batch_id, folder, RACERS)
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
    payouts = rows(engine, RewardPayout)
    assert sorted((p.status.value, p.method.value) for p in payouts) == [
        ("paid", "transfer"),
        ("paid", "voucher"),
    ]
    assert len({reward.payout_id for reward in rows(engine, ReferralReward)}) == 2, (
        "each reward on one payout"
    )
    audit = [event.action for event in rows(engine, AuditEvent) if event.subject_type == "settlement"]
    assert audit.count("settlement.file-written") == 1 and audit.count("settlement.paid") == 1
