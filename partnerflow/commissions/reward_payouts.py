"""Referral rewards settle with the month's commissions, as their own kind of line.

The settlement of a period gathers the rewards past their hold (held, not yet settled) and the
clawbacks not yet netted, per customer: a positive net becomes one payout (one per period and
customer: the table's unique key), paid by SEPA transfer in the batch's file when the customer
has a valid IBAN on file, otherwise as a voucher (a credit note on its next invoice) listed in
the batch's CSV. A net that is not positive waits for the next settlement. The rewards and
clawbacks join their payout in the settlement's transaction, so a reward is on one payout only.

This module reads the referral tables through the shared models; the referral programme creates
the rewards (``partnerflow.referrals``), the settlement pays them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from partnerflow.commissions.payment_file import Transfer, iban_problem
from partnerflow.commissions.periods import Period
from partnerflow.models import (
    Customer,
    PayoutMethod,
    Referral,
    ReferralReward,
    Registration,
    RewardClawback,
    RewardPayout,
    RewardStatus,
    SettlementBatch,
    StatementStatus,
)
from partnerflow.notify import TemplateRenderer, enqueue


@dataclass
class RewardSettlement:
    payouts: list[RewardPayout] = field(default_factory=list)
    carried_forward: list[dict[str, Any]] = field(default_factory=list)

    @property
    def transferred(self) -> Decimal:
        """What leaves the vendor's account: vouchers are credit notes, not transfers."""
        return sum((p.amount for p in self.payouts if p.method is PayoutMethod.TRANSFER), Decimal(0))


def settle_rewards(
    session: Session, batch: SettlementBatch, period: Period, *, now: datetime
) -> RewardSettlement:
    """Create the period's payouts from the payable rewards and clawbacks (see the module)."""
    assert batch.id is not None
    payable_rewards = (
        col(ReferralReward.status) == RewardStatus.HELD,
        col(ReferralReward.payout_id).is_(None),
        col(ReferralReward.payable_from) <= period.last_day,
    )
    open_clawbacks = (col(RewardClawback.payout_id).is_(None),)
    reward_rows = select(
        col(ReferralReward.customer_key), col(ReferralReward.amount), col(ReferralReward.currency)
    ).where(*payable_rewards)
    clawback_rows = select(
        col(RewardClawback.customer_key), col(RewardClawback.amount), col(RewardClawback.currency)
    ).where(*open_clawbacks)
    amounts: dict[str, list[Decimal]] = defaultdict(list)
    currencies: dict[str, str] = {}
    for key, amount, currency in [*session.exec(reward_rows).all(), *session.exec(clawback_rows).all()]:
        amounts[key].append(amount)
        currencies[key] = currency
    settlement = RewardSettlement()
    recipients = _recipients(session, set(amounts))
    for key in sorted(amounts):
        net = sum(amounts[key], Decimal(0))
        name, email, locale, iban, bic = recipients[key]
        if net <= 0:
            settlement.carried_forward.append(
                {
                    "customer_key": key,
                    "partner_name": name,
                    "net": str(net),
                    "reason": "referral rewards net to 0 or less",
                }
            )
            continue
        transfer = iban is not None and iban_problem(iban, bic) is None
        payout = RewardPayout(
            batch_id=batch.id,
            period=str(period),
            customer_key=key,
            name=name,
            email=email,
            locale=locale,
            method=PayoutMethod.TRANSFER if transfer else PayoutMethod.VOUCHER,
            amount=net,
            currency=currencies[key],
            iban=iban if transfer else None,
            bic=bic if transfer else None,
            payment_reference="",
            created_at=now,
        )
        session.add(payout)
        session.flush()
        payout.payment_reference = f"PF-{period}-R{payout.id}"
        settlement.payouts.append(payout)
    session.flush()
    for payout in settlement.payouts:
        key_matches = col(ReferralReward.customer_key) == payout.customer_key
        session.connection().execute(
            update(ReferralReward)
            .where(*payable_rewards, key_matches)
            .values(payout_id=payout.id, status=RewardStatus.SETTLED)
        )
        session.connection().execute(
            update(RewardClawback)
            .where(*open_clawbacks, col(RewardClawback.customer_key) == payout.customer_key)
            .values(payout_id=payout.id)
        )
    return settlement


def payouts_of(session: Session, batch: SettlementBatch) -> list[RewardPayout]:
    query = select(RewardPayout).where(RewardPayout.batch_id == batch.id).order_by(col(RewardPayout.id))
    return list(session.exec(query).all())


def reject_payouts(session: Session, batch: SettlementBatch) -> None:
    """The batch will not be paid: its payouts are void, their rewards and clawbacks wait again."""
    payouts = payouts_of(session, batch)
    for payout in payouts:
        payout.status = StatementStatus.REJECTED
        session.add(payout)
    session.flush()
    ids = [payout.id for payout in payouts]
    session.connection().execute(
        update(ReferralReward)
        .where(col(ReferralReward.payout_id).in_(ids))
        .values(payout_id=None, status=RewardStatus.HELD)
    )
    session.connection().execute(
        update(RewardClawback).where(col(RewardClawback.payout_id).in_(ids)).values(payout_id=None)
    )


def mark_payouts_paid(session: Session, batch: SettlementBatch, now: datetime) -> int:
    paid = 0
    for payout in payouts_of(session, batch):
        payout.status, payout.paid_at = StatementStatus.PAID, now
        session.add(payout)
        paid += 1
    return paid


def payout_transfers(payouts: list[RewardPayout]) -> list[Transfer]:
    """Every payout as a line of the batch's files: transfers go to the bank, vouchers only to
    the CSV (``kind`` says which)."""
    return [
        Transfer(
            partner_id=None,
            partner_name=payout.name,
            iban=payout.iban or "",
            bic=payout.bic,
            amount=payout.amount,
            currency=payout.currency,
            reference=payout.payment_reference,
            description=f"Parrainage {payout.period} - {payout.payment_reference}",
            kind=f"referral-{payout.method.value}",
        )
        for payout in payouts
    ]


def queue_reward_statements(session: Session, batch: SettlementBatch, renderer: TemplateRenderer) -> int:
    """E-mail each paid payout to its customer with every reward and clawback on it; once each."""
    queued = 0
    for payout in payouts_of(session, batch):
        if payout.status is not StatementStatus.PAID or not payout.email:
            continue
        rewards = session.exec(
            select(
                ReferralReward, Referral.company, col(Registration.closed_on), col(Registration.closed_amount)
            )
            .join(Referral, col(Referral.id) == ReferralReward.referral_id)
            .join(Registration, col(Registration.id) == Referral.registration_id, isouter=True)
            .where(ReferralReward.payout_id == payout.id)
            .order_by(col(ReferralReward.referral_id))
        ).all()
        clawbacks = session.exec(select(RewardClawback).where(RewardClawback.payout_id == payout.id)).all()
        lines = [
            {
                "amount": reward.amount,
                "side": reward.side,
                "company": company,
                "closed_on": closed_on,
                "deal_amount": closed_amount,
                "explanation": reward.explanation,
            }
            for reward, company, closed_on, closed_amount in rewards
        ]
        lines += [{"amount": c.amount, "side": "clawback", "explanation": c.reason} for c in clawbacks]
        queued += enqueue(
            session,
            renderer=renderer,
            dedupe_key=f"referral-reward-statement:{payout.id}",
            recipient=payout.email,
            template="referral_reward_statement",
            locale=payout.locale,
            context={
                "name": payout.name,
                "period": payout.period,
                "amount": payout.amount,
                "currency": payout.currency,
                "method": payout.method.value,
                "reference": payout.payment_reference,
                "lines": lines,
            },
        )
    return queued


Recipient = tuple[str, str | None, str, str | None, str | None]  # name, e-mail, locale, IBAN, BIC


def _recipients(session: Session, keys: set[str]) -> dict[str, Recipient]:
    """Who each customer key is: a known customer (with its IBAN), else the company as it
    described itself on the referral page."""
    found: dict[str, Recipient] = {}
    for referral in session.exec(select(Referral).where(col(Referral.customer_key).in_(keys))).all():
        found.setdefault(referral.customer_key, (referral.company, referral.contact_email, "fr", None, None))
    for customer in session.exec(select(Customer).where(col(Customer.customer_key).in_(keys))).all():
        found[customer.customer_key] = (
            customer.name,
            customer.email,
            customer.locale,
            customer.iban,
            customer.bic,
        )
    return found
