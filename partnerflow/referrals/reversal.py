"""A reversed deal (refund, cancellation) takes back the referral rewards it earned.

Called with the commission's reversal (``partnerflow deals reverse``), in the same transaction.
A reward not yet settled is cancelled: it will never be paid. A reward already on a payout may
have been paid: a negative clawback of the same amount nets against what that customer receives
next. Safe to repeat: a cancelled reward stays cancelled, and a reward has at most one clawback
(the table's primary key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from partnerflow.audit import record_event
from partnerflow.models import Referral, ReferralReward, RewardClawback, RewardStatus


@dataclass(frozen=True)
class RewardReversal:
    cancelled: Decimal = Decimal(0)
    clawed_back: Decimal = Decimal(0)

    def describe(self) -> str:
        parts = [f"{self.cancelled} cancelled"] if self.cancelled else []
        parts += [f"{self.clawed_back} clawed back"] if self.clawed_back else []
        return f"referral rewards: {', '.join(parts)}" if parts else ""


def reverse_rewards(
    session: Session, registration_id: int, *, reason: str, actor: str, now: datetime
) -> RewardReversal:
    """Cancel or claw back the rewards of the referral this deal qualified, if any."""
    referral = session.exec(select(Referral).where(Referral.registration_id == registration_id)).first()
    if referral is None or referral.id is None:
        return RewardReversal()
    cancelled = clawed_back = Decimal(0)
    rewards = session.exec(
        select(ReferralReward)
        .where(ReferralReward.referral_id == referral.id)
        .order_by(col(ReferralReward.side))
    ).all()
    for reward in rewards:
        if reward.status in (RewardStatus.HELD, RewardStatus.FLAGGED):
            reward.status = RewardStatus.CANCELLED
            reward.explanation += f"; cancelled: deal {registration_id} reversed ({reason})"
            session.add(reward)
            cancelled += reward.amount
        elif reward.status is RewardStatus.SETTLED and _claw_back(session, reward, reason, now):
            clawed_back += reward.amount
    if cancelled or clawed_back:
        record_event(
            session,
            now=now,
            actor=actor,
            action="referral.reversed",
            subject_type="referral",
            subject_id=referral.id,
            details={
                "registration_id": registration_id,
                "reason": reason,
                "cancelled": str(cancelled),
                "clawed_back": str(clawed_back),
            },
        )
    return RewardReversal(cancelled, clawed_back)


def _claw_back(session: Session, reward: ReferralReward, reason: str, now: datetime) -> bool:
    clawback = RewardClawback(
        referral_id=reward.referral_id,
        side=reward.side,
        customer_key=reward.customer_key,
        amount=-reward.amount,
        currency=reward.currency,
        reason=f"clawback of the {reward.side} reward paid on payout {reward.payout_id}: {reason}",
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(clawback)
    except IntegrityError:  # clawed back earlier (or concurrently)
        return False
    return True
