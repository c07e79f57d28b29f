"""A referral qualifies on the referred company's first qualifying won deal: both rewards are then
created, held for the policy's period, exactly once; fraud rules are checked first and a flagged
referral's rewards wait for a channel manager.

Run on each ``partnerflow.deal.closed`` event (only the referrals of that company) and daily for
every pending referral (events missed). Set-based, so that the daily sweep stays fast at scale
(``bench/referrals.py``: 100,000 referrals): a few queries read the pending referrals with their
sponsors, the candidate deals and what the fraud rules need; the rules are applied in memory;
rewards, referral updates and audit events are written by chunks in multi-row statements.

Exactly once: a chunk is written in a savepoint and the rewards' primary key (referral, side)
refuses a second reward. When another run qualified some of a chunk meanwhile, the chunk is
rolled back and its referrals are taken one by one, each in its own savepoint: those the other
run took are left as it made them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, func, insert, true, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from partnerflow.audit import record_events
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
from partnerflow.policy.kinds.referral_programme import Reward

CENT = Decimal("0.01")
CHUNK = 2000  # referrals written per savepoint
ACTOR = "system:referrals"


@dataclass(frozen=True)
class QualificationReport:
    qualified: int = 0
    flagged: int = 0


@dataclass(frozen=True)
class ReferralRow:
    """A referral with what the fraud rules compare it to: its sponsor."""

    id: int
    invitation_id: int
    status: ReferralStatus
    customer_key: str
    siren: str | None
    domain: str | None
    contact_email: str
    referred_on: date
    sponsor_key: str
    sponsor_siren: str | None
    sponsor_domain: str | None


@dataclass(frozen=True)
class Deal:
    id: int
    closed_on: date
    amount: Decimal


@dataclass(frozen=True)
class Qualified:
    referral: ReferralRow
    deal: Deal
    flags: list[str]


def qualify_referrals(
    session: Session,
    policy: Policy[ReferralProgrammePolicy],
    *,
    now: datetime,
    customer_key: str | None = None,
) -> QualificationReport:
    """Qualify the pending referrals (of ``customer_key`` only, when an event names it)."""
    pending_only = col(Referral.status) == ReferralStatus.PENDING
    key_filter = col(Referral.customer_key) == customer_key if customer_key is not None else true()
    pending = referral_rows(session, pending_only & key_filter)
    deals = first_qualifying_deals(session, pending, policy)
    if not deals:
        return QualificationReport()
    candidates = [row for row in pending if row.id in deals]
    checks = FraudChecks.load(session, candidates, policy, everything=customer_key is None)
    found = one_per_company(
        [Qualified(row, deals[row.id], checks.flags(row)) for row in candidates],
        already_qualified(session, {row.customer_key for row in candidates}),
    )
    qualified = flagged = 0
    for start in range(0, len(found), CHUNK):
        chunk = found[start : start + CHUNK]
        try:
            with session.begin_nested():
                _write(session, chunk, policy, now)
        except IntegrityError:  # another run qualified some of them: one by one
            chunk = [item for item in chunk if _write_alone(session, item, policy, now)]
        flagged += sum(bool(item.flags) for item in chunk)
        qualified += sum(not item.flags for item in chunk)
    return QualificationReport(qualified, flagged)


def one_per_company(found: list[Qualified], taken: dict[str, int]) -> list[Qualified]:
    """One referral qualifies per referred company: the first valid one (the oldest without a flag,
    or one qualified before); the others are flagged for a channel manager. Measured before: one
    won deal paid two sponsors for the same company. ``found`` is oldest first; ``taken`` maps a
    company to its referral qualified before."""
    first = dict(taken)
    decided = []
    for item in found:
        key, number = item.referral.customer_key, item.referral.id
        if not item.flags and first.setdefault(key, number) != number:
            item = Qualified(
                item.referral,
                item.deal,
                [f"another sponsor referred this company first (referral {first[key]})"],
            )
        decided.append(item)
    return decided


def already_qualified(session: Session, keys: set[str]) -> dict[str, int]:
    """Company -> its referral qualified before (the first, if several from before this rule)."""
    query = (
        sa_select(col(Referral.customer_key), func.min(col(Referral.id)))
        .where(
            col(Referral.status) == ReferralStatus.QUALIFIED,
            col(Referral.customer_key).in_(bindparam("keys", expanding=True)),
        )
        .group_by(col(Referral.customer_key))
    )
    taken: dict[str, int] = {}
    for batch in _batches(sorted(keys)):
        taken.update((key, number) for key, number in session.connection().execute(query, {"keys": batch}))
    return taken


def referral_rows(session: Session, where: ColumnElement[bool]) -> list[ReferralRow]:
    """Referrals with their sponsors, oldest first (one query)."""
    query = (
        sa_select(
            col(Referral.id),
            col(Referral.invitation_id),
            col(Referral.status),
            col(Referral.customer_key),
            col(Referral.siren),
            col(Referral.domain),
            col(Referral.contact_email),
            col(Referral.created_at),
            col(Customer.customer_key),
            col(Customer.siren),
            col(Customer.email),
            col(Customer.domain),
        )
        .join(SponsorInvitation, col(SponsorInvitation.id) == col(Referral.invitation_id))
        .join(Customer, col(Customer.id) == col(SponsorInvitation.customer_id))
        .where(where)
        .order_by(col(Referral.id))
    )
    return [_row(found) for found in session.connection().execute(query)]


def _row(found: Row[Any]) -> ReferralRow:
    (id_, invitation_id, status, key, siren, domain, contact, created_at, sponsor_key, sponsor_siren,
     sponsor_email, sponsor_domain) = found  # fmt: skip
    return ReferralRow(
        id_, invitation_id, status, key, siren, domain, contact, programme_date(created_at),
        sponsor_key, sponsor_siren, business_domain(sponsor_email or "") or sponsor_domain,
    )  # fmt: skip


def first_qualifying_deals(
    session: Session, referrals: Sequence[ReferralRow], policy: Policy[ReferralProgrammePolicy]
) -> dict[int, Deal]:
    """Per referral, the referred company's first won deal after the referral, in time, large
    enough, of a product line the programme counts."""
    rules = policy.document.qualification
    by_key: dict[str, list[ReferralRow]] = defaultdict(list)
    for referral in referrals:
        by_key[referral.customer_key].append(referral)
    amount = func.coalesce(col(Registration.closed_amount), col(Registration.amount))
    query = (
        sa_select(
            col(Registration.id),
            col(Registration.customer_key),
            col(Registration.closed_on),
            amount,
            col(Registration.product_lines),
        )
        .where(
            col(Registration.status) == RegistrationStatus.WON,
            amount >= rules.min_amount,
            col(Registration.customer_key).in_(bindparam("keys", expanding=True)),
        )
        .order_by(col(Registration.closed_on), col(Registration.id))
    )
    lines = set(rules.product_lines)
    first: dict[int, Deal] = {}
    for keys in _batches(list(by_key)):
        for deal_id, key, closed_on, deal_amount, product_lines in session.connection().execute(
            query, {"keys": keys}
        ):
            if closed_on is None or (lines and not lines & set(product_lines)):
                continue
            for referral in by_key[key]:
                in_time = (
                    referral.referred_on
                    <= closed_on
                    <= referral.referred_on + timedelta(days=rules.within_days)
                )
                if in_time and referral.id not in first:
                    first[referral.id] = Deal(deal_id, closed_on, Decimal(deal_amount))
    return first


class FraudChecks:
    """What the fraud rules compare a referral to, read once for all the candidates."""

    def __init__(
        self,
        policy: Policy[ReferralProgrammePolicy],
        first_won: dict[str, date],
        first_purchase: dict[str, date],
        per_month: Counter[tuple[int, str]],
        pairs: dict[tuple[str, str], set[int]],
    ) -> None:
        self.limit = policy.document.fraud.max_referrals_per_sponsor_per_month
        self.first_won, self.first_purchase = first_won, first_purchase
        self.per_month, self.pairs = per_month, pairs

    @classmethod
    def load(
        cls,
        session: Session,
        candidates: Sequence[ReferralRow],
        policy: Policy[ReferralProgrammePolicy],
        *,
        everything: bool,
    ) -> FraudChecks:
        """``everything``: the daily sweep reads every referral once; an event reads only what
        its few candidates need."""
        keys = sorted({row.customer_key for row in candidates})
        if everything:
            others = referral_rows(session, true())
        else:
            invitations = {row.invitation_id for row in candidates}
            sponsors = {row.sponsor_key for row in candidates}
            others = referral_rows(
                session,
                col(Referral.invitation_id).in_(invitations) | col(Referral.customer_key).in_(sponsors),
            )
        first_won: dict[str, date] = {}
        first_purchase: dict[str, date] = {}
        won = (
            sa_select(col(Registration.customer_key), func.min(col(Registration.closed_on)))
            .where(
                col(Registration.status) == RegistrationStatus.WON,
                col(Registration.customer_key).in_(bindparam("keys", expanding=True)),
            )
            .group_by(col(Registration.customer_key))
        )
        known = sa_select(col(Customer.customer_key), col(Customer.first_purchase_on)).where(
            col(Customer.first_purchase_on).is_not(None),
            col(Customer.customer_key).in_(bindparam("keys", expanding=True)),
        )
        for batch in _batches(keys):
            first_won.update(
                (key, day) for key, day in session.connection().execute(won, {"keys": batch}) if day
            )
            first_purchase.update(
                (key, day) for key, day in session.connection().execute(known, {"keys": batch}) if day
            )
        per_month = Counter((row.invitation_id, f"{row.referred_on:%Y-%m}") for row in others)
        pairs: dict[tuple[str, str], set[int]] = defaultdict(set)
        for row in others:
            pairs[(row.sponsor_key, row.customer_key)].add(row.id)
        return cls(policy, first_won, first_purchase, per_month, pairs)

    def flags(self, referral: ReferralRow) -> list[str]:
        """The fraud rules that hold for this referral, each with its reason."""
        flags = []
        if (
            referral.customer_key == referral.sponsor_key
            or (referral.siren is not None and referral.siren == referral.sponsor_siren)
            or (
                referral.sponsor_domain is not None
                and referral.sponsor_domain in (referral.domain, business_domain(referral.contact_email))
            )
        ):
            flags.append("self-referral: the referred company has the sponsor's SIREN, domain or key")
        won_before = self.first_won.get(referral.customer_key)
        bought_before = self.first_purchase.get(referral.customer_key)
        if (won_before is not None and won_before < referral.referred_on) or (
            bought_before is not None and bought_before < referral.referred_on
        ):
            flags.append("already a customer before the referral")
        month = f"{referral.referred_on:%Y-%m}"
        same_month = self.per_month[(referral.invitation_id, month)]
        if same_month > self.limit:
            flags.append(f"{same_month} referrals by this sponsor in {month} (at most {self.limit})")
        if self.pairs.get((referral.customer_key, referral.sponsor_key), set()) - {referral.id}:
            flags.append("ring: the referred company referred its sponsor")
        return flags


def _write(
    session: Session, chunk: Sequence[Qualified], policy: Policy[ReferralProgrammePolicy], now: datetime
) -> None:
    """Both rewards of each referral, the referrals' new state, their audit events: three
    multi-row statements (and one to read the sponsors' earnings this year)."""
    sponsors = {item.referral.sponsor_key for item in chunk}
    earned = _earned_this_year(session, sponsors, programme_date(now).year)
    rewards: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for item in chunk:
        referral, deal, flags = item.referral, item.deal, item.flags
        sides = _rewards(item, policy, earned)
        earned[referral.sponsor_key] += sides[0][2]
        reward_status = RewardStatus.FLAGGED if flags else RewardStatus.HELD
        payable_from = deal.closed_on + timedelta(days=policy.document.rewards.hold_days)
        rewards += [
            {
                "referral_id": referral.id,
                "side": side,
                "customer_key": key,
                "amount": amount,
                "currency": policy.document.rewards.currency,
                "status": reward_status,
                "payable_from": payable_from,
                "explanation": explanation,
                "policy_version": policy.version,
                "created_at": now,
                "payout_id": None,
            }
            for side, key, amount, explanation in sides
        ]
        updates.append(
            {
                "referral": referral.id,
                "new_status": ReferralStatus.FLAGGED if flags else ReferralStatus.QUALIFIED,
                "deal": deal.id,
                "new_flags": flags,
                "version": policy.version,
                "at": now,
            }
        )
        events.append(
            {
                "actor": ACTOR,
                "action": "referral.flagged" if flags else "referral.qualified",
                "subject_type": "referral",
                "subject_id": str(referral.id),
                "policy_kind": None,
                "policy_version": None,
                "policy_sha256": None,
                "rule_id": None,
                "occurred_at": now,
                "details": {"registration_id": deal.id, "flags": flags, "sponsor_reward": str(sides[0][2])},
            }
        )
    connection = session.connection()
    connection.execute(insert(ReferralReward.__table__), rewards)  # type: ignore[attr-defined]
    connection.execute(
        update(Referral.__table__)  # type: ignore[attr-defined]
        .where(col(Referral.id) == bindparam("referral"))
        .values(
            status=bindparam("new_status"),
            registration_id=bindparam("deal"),
            flags=bindparam("new_flags"),
            policy_version=bindparam("version"),
            qualified_at=bindparam("at"),
        ),
        updates,
    )
    record_events(session, events)


def _rewards(
    item: Qualified, policy: Policy[ReferralProgrammePolicy], earned: dict[str, Decimal]
) -> list[tuple[str, str, Decimal, str]]:
    """(side, who, amount, explanation), the sponsor first: its reward is capped by what is left
    of its yearly cap."""
    rules, amount = policy.document.rewards, item.deal.amount
    computed = _reward(rules.sponsor, amount)
    left = max(Decimal(0), rules.sponsor_cap_per_year - earned[item.referral.sponsor_key])
    sponsor_amount = min(computed, left)
    sponsor_explanation = _explain("sponsor", rules.sponsor, amount, sponsor_amount)
    if sponsor_amount < computed:
        sponsor_explanation += f"; {sponsor_amount} left under the yearly cap of {rules.sponsor_cap_per_year}"
    referred_amount = _reward(rules.referred, amount)
    referred_explanation = _explain("referred", rules.referred, amount, referred_amount)
    return [
        ("sponsor", item.referral.sponsor_key, sponsor_amount, sponsor_explanation),
        ("referred", item.referral.customer_key, referred_amount, referred_explanation),
    ]


def _write_alone(
    session: Session, item: Qualified, policy: Policy[ReferralProgrammePolicy], now: datetime
) -> bool:
    try:
        with session.begin_nested():
            _write(session, [item], policy, now)
    except IntegrityError:  # another run qualified it: its rewards stand
        return False
    return True


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


def _earned_this_year(session: Session, sponsor_keys: set[str], year: int) -> defaultdict[str, Decimal]:
    """What each sponsor earned (not cancelled) in the calendar year so far."""
    earned: defaultdict[str, Decimal] = defaultdict(Decimal)
    query = (
        sa_select(col(ReferralReward.customer_key), func.sum(col(ReferralReward.amount)))
        .where(
            col(ReferralReward.side) == "sponsor",
            col(ReferralReward.status) != RewardStatus.CANCELLED,
            col(ReferralReward.created_at) >= datetime(year, 1, 1, tzinfo=UTC),
            col(ReferralReward.created_at) < datetime(year + 1, 1, 1, tzinfo=UTC),
            col(ReferralReward.customer_key).in_(bindparam("keys", expanding=True)),
        )
        .group_by(col(ReferralReward.customer_key))
    )
    for batch in _batches(sorted(sponsor_keys)):
        for key, total in session.connection().execute(query, {"keys": batch}):
            earned[key] = Decimal(total)
    return earned


def _batches(keys: list[str], size: int = 5000) -> Iterable[list[str]]:
    """Keys by batches small enough for an IN list on every database."""
    for start in range(0, len(keys), size):
        yield keys[start : start + size]
