"""A referral qualifies on the referred company's first qualifying won deal: both rewards are then
created, held for the policy's period, exactly once; fraud rules are checked first and a flagged
referral's rewards wait for a channel manager.

Run on each ``partnerflow.deal.closed`` event (only the referrals of that company) and daily for
every pending referral (events missed). A referral leaves *pending* once, in a savepoint; the
rewards' primary key (referral, side) makes a second run, or two at once, create nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.customers import business_domain
from partnerflow.models import (
    Customer,
    Referral,
    ReferralReward,
    ReferralStatus,
    Registration,
    RegistrationStatus,
    RewardStatus,
    SponsorInvitation,
)
from partnerflow.policy import Policy, ReferralProgrammePolicy
from partnerflow.policy.kinds import Reward

CENT = Decimal("0.01")


@dataclass(frozen=True)
class QualificationReport:
    qualified: int = 0
    flagged: int = 0


def qualify_referrals(
    session: Session,
    policy: Policy[ReferralProgrammePolicy],
    *,
    now: datetime,
    customer_key: str | None = None,
) -> QualificationReport:
    """Qualify the pending referrals (of ``customer_key`` only, when an event names it)."""
    query = select(Referral).where(Referral.status == ReferralStatus.PENDING).order_by(col(Referral.id))
    if customer_key is not None:
        query = query.where(Referral.customer_key == customer_key)
    qualified = flagged = 0
    for referral in session.exec(query).all():
        deal = first_qualifying_deal(session, referral, policy)
        if deal is None:
            continue
        try:
            with session.begin_nested():
                flags = _qualify(session, referral, deal, policy, now)
        except IntegrityError:
            session.refresh(referral)  # another run qualified it meanwhile: its rewards stand
            continue
        flagged += bool(flags)
        qualified += not flags
    return QualificationReport(qualified, flagged)


def first_qualifying_deal(
    session: Session, referral: Referral, policy: Policy[ReferralProgrammePolicy]
) -> Registration | None:
    """The referred company's first won deal after the referral, in time, large enough, of a
    product line the programme counts."""
    rules = policy.document.qualification
    referred_on = programme_date(referral.created_at)
    deals = session.exec(
        select(Registration)
        .where(
            Registration.customer_key == referral.customer_key,
            Registration.status == RegistrationStatus.WON,
            col(Registration.closed_on) >= referred_on,
            col(Registration.closed_on) <= referred_on + timedelta(days=rules.within_days),
        )
        .order_by(col(Registration.closed_on), col(Registration.id))
    ).all()
    for deal in deals:
        lines_match = not rules.product_lines or bool(set(deal.product_lines) & set(rules.product_lines))
        if _deal_amount(deal) >= rules.min_amount and lines_match:
            return deal
    return None


def fraud_flags(session: Session, referral: Referral, policy: Policy[ReferralProgrammePolicy]) -> list[str]:
    """The fraud rules that hold for this referral, each with its reason."""
    invitation = session.get_one(SponsorInvitation, referral.invitation_id)
    sponsor = session.get_one(Customer, invitation.customer_id)
    referred_on = programme_date(referral.created_at)
    flags = []
    sponsor_domain = business_domain(sponsor.email or "") or sponsor.domain
    if (
        referral.customer_key == sponsor.customer_key
        or (referral.siren is not None and referral.siren == sponsor.siren)
        or (
            sponsor_domain is not None
            and sponsor_domain in (referral.domain, business_domain(referral.contact_email))
        )
    ):
        flags.append("self-referral: the referred company has the sponsor's SIREN, domain or key")
    bought_before = session.exec(
        select(func.count()).where(
            Registration.customer_key == referral.customer_key,
            Registration.status == RegistrationStatus.WON,
            col(Registration.closed_on) < referred_on,
        )
    ).one()
    known = session.exec(select(Customer).where(Customer.customer_key == referral.customer_key)).first()
    if bought_before or (
        known is not None and known.first_purchase_on is not None and known.first_purchase_on < referred_on
    ):
        flags.append("already a customer before the referral")
    month_start = referred_on.replace(day=1)
    same_month = session.exec(
        select(func.count()).where(
            Referral.invitation_id == referral.invitation_id,
            col(Referral.created_at)
            >= datetime.combine(month_start, datetime.min.time(), referral.created_at.tzinfo),
            col(Referral.created_at)
            < datetime.combine(_next_month(month_start), datetime.min.time(), referral.created_at.tzinfo),
        )
    ).one()
    limit = policy.document.fraud.max_referrals_per_sponsor_per_month
    if same_month > limit:
        flags.append(f"{same_month} referrals by this sponsor in {month_start:%Y-%m} (at most {limit})")
    ring = session.exec(
        select(func.count())
        .select_from(Referral)
        .join(SponsorInvitation, col(SponsorInvitation.id) == col(Referral.invitation_id))
        .join(Customer, col(Customer.id) == col(SponsorInvitation.customer_id))
        .where(
            Customer.customer_key == referral.customer_key,
            Referral.customer_key == sponsor.customer_key,
            col(Referral.id) != referral.id,  # a self-referral is not a ring with itself
        )
    ).one()
    if ring:
        flags.append("ring: the referred company referred its sponsor")
    return flags


def _qualify(
    session: Session,
    referral: Referral,
    deal: Registration,
    policy: Policy[ReferralProgrammePolicy],
    now: datetime,
) -> list[str]:
    flags = fraud_flags(session, referral, policy)
    rewards = policy.document.rewards
    invitation = session.get_one(SponsorInvitation, referral.invitation_id)
    sponsor = session.get_one(Customer, invitation.customer_id)
    amount = _deal_amount(deal)
    payable_from = (deal.closed_on or programme_date(now)) + timedelta(days=rewards.hold_days)
    status = RewardStatus.FLAGGED if flags else RewardStatus.HELD
    earned = _earned_this_year(session, sponsor.customer_key, programme_date(now).year)
    computed = _reward(rewards.sponsor, amount)
    sponsor_amount = min(computed, max(Decimal(0), rewards.sponsor_cap_per_year - earned))
    for side, key, value in (
        ("sponsor", sponsor.customer_key, sponsor_amount),
        ("referred", referral.customer_key, _reward(rewards.referred, amount)),
    ):
        explanation = _explain(
            side, rewards.sponsor if side == "sponsor" else rewards.referred, amount, value
        )
        if side == "sponsor" and sponsor_amount < computed:
            explanation += f"; {sponsor_amount} left under the yearly cap of {rewards.sponsor_cap_per_year}"
        session.add(
            ReferralReward(
                referral_id=referral.id or 0,
                side=side,
                customer_key=key,
                amount=value,
                currency=rewards.currency,
                status=status,
                payable_from=payable_from,
                explanation=explanation,
                policy_version=policy.version,
                created_at=now,
            )
        )
    referral.status = ReferralStatus.FLAGGED if flags else ReferralStatus.QUALIFIED
    referral.registration_id, referral.flags = deal.id, flags
    referral.policy_version, referral.qualified_at = policy.version, now
    session.add(referral)
    session.flush()
    record_event(
        session,
        actor="system:referrals",
        action="referral.flagged" if flags else "referral.qualified",
        subject_type="referral",
        subject_id=referral.id or 0,
        details={"registration_id": deal.id, "flags": flags, "sponsor_reward": str(sponsor_amount)},
    )
    return flags


def _reward(reward: Reward, amount: Decimal) -> Decimal:
    value = amount * Decimal(str(reward.percent)) if reward.percent else reward.amount
    if reward.cap is not None:
        value = min(value, reward.cap)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _explain(side: str, reward: Reward, amount: Decimal, value: Decimal) -> str:
    basis = (
        f"{reward.percent:.0%} of the first transaction ({amount})"
        if reward.percent
        else f"{reward.amount} fixed"
    )
    capped = f", capped at {reward.cap}" if reward.cap is not None else ""
    return f"{side} reward: {basis}{capped} = {value}"


def _earned_this_year(session: Session, customer_key: str, year: int) -> Decimal:
    total = session.exec(
        select(func.coalesce(func.sum(ReferralReward.amount), 0)).where(
            ReferralReward.customer_key == customer_key,
            ReferralReward.side == "sponsor",
            ReferralReward.status != RewardStatus.CANCELLED,
            col(ReferralReward.created_at) >= datetime(year, 1, 1, tzinfo=UTC),
            col(ReferralReward.created_at) < datetime(year + 1, 1, 1, tzinfo=UTC),
        )
    ).one()
    return Decimal(total)


def _deal_amount(deal: Registration) -> Decimal:
    return deal.closed_amount if deal.closed_amount is not None else (deal.amount or Decimal(0))


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)
