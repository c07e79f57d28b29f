"""Referral rewards are paid once, with the month's commission settlement: by SEPA transfer when
the customer's IBAN is on file, otherwise as a voucher in the batch's CSV; a reversal cancels an
unpaid reward and claws back a paid one; each payout is explained to its customer once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.commissions.reward_payouts import queue_reward_statements
from partnerflow.models import (
    BatchStatus,
    Customer,
    Notification,
    PayoutMethod,
    ReferralReward,
    RewardClawback,
    RewardPayout,
    SettlementBatch,
)
from partnerflow.referrals.reversal import reverse_rewards
from tests.commissions.ledger import VALID_IBAN, add_finance, answer, open_batch, pay, rows
from tests.commissions.test_settlement import PAIN
from tests.factories import RENDERER
from tests.referrals.test_qualification import qualify, referral, sponsor, won

DECEMBER_END = datetime(2027, 1, 2, 9, tzinfo=UTC)


@pytest.fixture
def deal(engine: Engine) -> int:
    """A qualified referral: sponsor 1,000 and referred 300, payable from 2026-12-14; only the
    sponsor has an IBAN on file."""
    with Session(engine) as session:
        referral(session, sponsor(session))
        customer = session.exec(select(Customer)).one()
        customer.iban, customer.bic = VALID_IBAN, "CCBPFRPPXXX"
        session.add(customer)
        registration_id = won(session, "domain:filleul.example", date(2026, 10, 15), "40000")
        session.commit()
    assert qualify(engine).qualified == 1
    return registration_id


def settle_and_pay(engine: Engine, period: str) -> tuple[SettlementBatch, str, str]:
    batch = open_batch(engine, period, now=DECEMBER_END)
    assert batch.id is not None
    files = pay(engine, batch.id, now=DECEMBER_END)
    return batch, files.sepa_xml, files.csv


def test_rewards_past_their_hold_are_paid_once_with_the_months_settlement(engine: Engine, deal: int) -> None:
    november = open_batch(engine, "2026-11", now=DECEMBER_END)
    assert (november.status, november.total) == (BatchStatus.PAID, Decimal(0)), "still in their hold"

    december, xml, csv = settle_and_pay(engine, "2026-12")

    sponsor_payout, referred_payout = sorted(rows(engine, RewardPayout), key=lambda p: -p.amount)
    assert (sponsor_payout.method, sponsor_payout.amount) == (PayoutMethod.TRANSFER, Decimal("1000.00"))
    assert (referred_payout.method, referred_payout.amount) == (PayoutMethod.VOUCHER, Decimal("300.00"))
    assert december.total == Decimal("1000.00"), "a voucher is a credit note, not money transferred"
    document = ElementTree.fromstring(xml)
    assert [e.text for e in document.iter(f"{PAIN}EndToEndId")] == [sponsor_payout.payment_reference]
    assert sorted(line.split(",")[-1] for line in csv.splitlines()[1:]) == [
        "referral-transfer",
        "referral-voucher",
    ]
    assert {r.status.value for r in rows(engine, ReferralReward)} == {"settled"}
    assert {p.status.value for p in rows(engine, RewardPayout)} == {"paid"}
    january = open_batch(engine, "2027-01", now=DECEMBER_END)
    assert (january.total, len(rows(engine, RewardPayout))) == (Decimal(0), 2), "nothing paid twice"


def test_each_payout_is_explained_to_its_customer_once(engine: Engine, deal: int) -> None:
    december, _xml, _csv = settle_and_pay(engine, "2026-12")
    with Session(engine) as session:
        batch = session.get_one(SettlementBatch, december.id)
        first = queue_reward_statements(session, batch, RENDERER)
        again = queue_reward_statements(session, batch, RENDERER)
        session.commit()
        mails = session.exec(select(Notification).order_by(Notification.recipient)).all()
    assert (first, again) == (2, 0)
    assert [mail.recipient for mail in mails] == ["achats@parrain.example", "claire@filleul.example"]
    assert "virement de 1\u202f000,00" in mails[0].text_body
    assert "pour avoir recommandé" in mails[0].text_body, "the sponsor's line says what it rewards"
    assert "date du 15 octobre 2026" in mails[0].text_body, "the first order's date, in French"
    assert "avoir de 300,00" in mails[1].text_body and "de bienvenue" in mails[1].text_body


def test_a_reversal_before_payment_cancels_both_rewards(engine: Engine, deal: int) -> None:
    with Session(engine) as session:
        reversal = reverse_rewards(session, deal, reason="refund", actor="cli", now=DECEMBER_END)
        again = reverse_rewards(session, deal, reason="refund", actor="cli", now=DECEMBER_END)
        session.commit()
    assert (reversal.cancelled, again.cancelled) == (Decimal("1300.00"), Decimal(0))
    december = open_batch(engine, "2026-12", now=DECEMBER_END)
    assert december.total == Decimal(0) and rows(engine, RewardPayout) == []


def test_a_reversal_after_payment_claws_back_against_the_next_payout(engine: Engine, deal: int) -> None:
    settle_and_pay(engine, "2026-12")
    with Session(engine) as session:
        reversal = reverse_rewards(session, deal, reason="cancelled order", actor="cli", now=DECEMBER_END)
        again = reverse_rewards(session, deal, reason="cancelled order", actor="cli", now=DECEMBER_END)
        session.commit()
    assert (reversal.clawed_back, again.clawed_back) == (Decimal("1300.00"), Decimal(0))
    assert sorted(c.amount for c in rows(engine, RewardClawback)) == [Decimal("-1000.00"), Decimal("-300.00")]

    january = open_batch(engine, "2027-01", now=DECEMBER_END)

    assert january.total == Decimal(0)
    assert {entry["net"] for entry in january.carried_forward} == {"-1000.00", "-300.00"}
    assert {c.payout_id for c in rows(engine, RewardClawback)} == {None}, "waits to net against a reward"


def test_a_rejected_batch_returns_its_rewards_to_the_next_settlement(engine: Engine, deal: int) -> None:
    with Session(engine) as session:  # a large reward: the batch needs finance's approval
        sponsor_reward = session.get_one(ReferralReward, (1, "sponsor"))
        sponsor_reward.amount = Decimal("12000.00")
        session.add(sponsor_reward)
        session.commit()
    add_finance(engine, "finance1@vendor.example")
    december = open_batch(engine, "2026-12", now=DECEMBER_END)
    assert december.id is not None and december.status is BatchStatus.AWAITING_APPROVAL

    answer(engine, december.id, "finance1@vendor.example", "reject")

    assert {r.status.value for r in rows(engine, ReferralReward)} == {"held"}
    assert {p.status.value for p in rows(engine, RewardPayout)} == {"rejected"}
    january = open_batch(engine, "2027-01", now=DECEMBER_END)
    assert january.total == Decimal("12000.00")


def test_deals_reverse_in_the_terminal_takes_back_the_referral_rewards_too(engine: Engine, deal: int) -> None:
    result = CliRunner().invoke(app, ["deals", "reverse", str(deal), "--reason", "customer refunded"])

    assert result.exit_code == 0, result.output
    assert "referral rewards: 1300.00 cancelled" in result.output
    assert {r.status.value for r in rows(engine, ReferralReward)} == {"cancelled"}
