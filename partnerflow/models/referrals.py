"""The vendor's end customers, as the referral programme knows them: who may sponsor others.

No ``from __future__ import annotations`` here: SQLModel resolves column types at runtime.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import enum_type, json_field, timestamp_field
from partnerflow.models.commissions import StatementStatus


def payout_field() -> Any:
    """The payout a reward or clawback was settled on (None while it waits for a settlement)."""
    column = Column(Integer, ForeignKey("rewardpayout.id", ondelete="RESTRICT"), nullable=True, index=True)
    return Field(default=None, sa_column=column)


class Customer(SQLModel, table=True):
    """An end customer company (keyed like registrations: SIREN, else domain, else folded name),
    with its purchase history and satisfaction as imported from the CRM or counted from won deals."""

    id: int | None = Field(default=None, primary_key=True)
    customer_key: str = Field(max_length=260, unique=True)
    name: str = Field(max_length=200)
    siren: str | None = Field(default=None, max_length=9)
    domain: str | None = Field(default=None, max_length=253)
    email: str | None = Field(default=None, max_length=254)
    locale: str = Field(default="fr", max_length=5)
    first_purchase_on: date | None = None
    last_purchase_on: date | None = None
    purchases: int = Field(default=0, ge=0)
    revenue: Decimal = Field(default=Decimal(0), sa_type=Numeric(14, 2), max_digits=14, decimal_places=2)
    satisfaction: int | None = Field(default=None, ge=0, le=10, description="0-10, as last surveyed")
    iban: str | None = Field(default=None, max_length=34)  # where its referral rewards are paid
    bic: str | None = Field(default=None, max_length=11)
    updated_at: datetime = timestamp_field()


class SponsorInvitation(SQLModel, table=True):
    """A customer invited to sponsor: its personal referral link (signed over this id) and the
    code partners may quote; which cohort it belongs to (the pilot first)."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customer.id", ondelete="RESTRICT"), nullable=False, unique=True)
    )
    code: str = Field(max_length=12, unique=True)
    cohort: str = Field(max_length=20)  # pilot, rollout
    policy_version: str = Field(max_length=40)
    visits: int = 0
    sent_at: datetime = timestamp_field()


class ReferralStatus(StrEnum):
    PENDING = "pending"  # waiting for the referred company's first qualifying transaction
    QUALIFIED = "qualified"
    FLAGGED = "flagged"
    REJECTED = "rejected"


class Referral(SQLModel, table=True):
    """A company a sponsor referred, as it described itself on the referral page (with consent)."""

    __table_args__ = (UniqueConstraint("invitation_id", "customer_key"),)

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("sponsorinvitation.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    company: str = Field(max_length=200)
    siren: str | None = Field(default=None, max_length=9)
    domain: str | None = Field(default=None, max_length=253)
    contact_name: str = Field(max_length=200)
    contact_email: str = Field(max_length=254)
    customer_key: str = Field(max_length=260, index=True)
    status: ReferralStatus = Field(default=ReferralStatus.PENDING, sa_type=enum_type(ReferralStatus))
    registration_id: int | None = Field(default=None)  # the first qualifying won deal
    flags: list[str] = json_field(default_factory=list)  # fraud rules that held, with their reasons
    policy_version: str | None = Field(default=None, max_length=40)  # who qualified it
    qualified_at: datetime | None = timestamp_field(nullable=True)
    review_run_id: str | None = Field(default=None, max_length=36)  # the run asking about its flags
    decided_by: str | None = Field(default=None, max_length=254)  # who cleared or rejected the flags
    created_at: datetime = timestamp_field()


class RewardStatus(StrEnum):
    HELD = "held"  # in its hold period (a reversal before payment cancels it)
    FLAGGED = "flagged"  # a fraud rule held: waits for a channel manager's decision
    CANCELLED = "cancelled"  # rejected, or its deal reversed before it was paid
    SETTLED = "settled"  # on a payout of a monthly settlement


class ReferralReward(SQLModel, table=True):
    """One side's reward for a qualified referral: the sponsor, or the referred company. Exactly
    one per referral and side (the primary key), whatever runs twice."""

    referral_id: int = Field(
        sa_column=Column(Integer, ForeignKey("referral.id", ondelete="RESTRICT"), primary_key=True)
    )
    side: str = Field(primary_key=True, max_length=10)  # sponsor, referred
    customer_key: str = Field(max_length=260, index=True)  # who receives it
    amount: Decimal = Field(sa_type=Numeric(14, 2), max_digits=14, decimal_places=2)
    currency: str = Field(max_length=3)
    status: RewardStatus = Field(sa_type=enum_type(RewardStatus), index=True)
    payable_from: date
    explanation: str = Field(default="", sa_type=Text)
    policy_version: str = Field(max_length=40)
    created_at: datetime = timestamp_field()
    payout_id: int | None = payout_field()


class RewardClawback(SQLModel, table=True):
    """The negative of a reward already settled whose deal was reversed: nets against what the
    same customer is paid next. At most one per reward (the primary key)."""

    referral_id: int = Field(
        sa_column=Column(Integer, ForeignKey("referral.id", ondelete="RESTRICT"), primary_key=True)
    )
    side: str = Field(primary_key=True, max_length=10)
    customer_key: str = Field(max_length=260, index=True)
    amount: Decimal = Field(sa_type=Numeric(14, 2), max_digits=14, decimal_places=2)  # negative
    currency: str = Field(max_length=3)
    reason: str = Field(sa_type=Text)
    payout_id: int | None = payout_field()
    created_at: datetime = timestamp_field()


class PayoutMethod(StrEnum):
    TRANSFER = "transfer"  # SEPA credit transfer: a valid IBAN is on file
    VOUCHER = "voucher"  # a credit note on the customer's next invoice


class RewardPayout(SQLModel, table=True):
    """What one customer receives for its referral rewards in one monthly settlement (net of
    clawbacks): one per period and customer, paid with the partners' statements."""

    __table_args__ = (UniqueConstraint("period", "customer_key"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("settlementbatch.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    period: str = Field(max_length=7)
    customer_key: str = Field(max_length=260)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    locale: str = Field(default="fr", max_length=5)
    method: PayoutMethod = Field(sa_type=enum_type(PayoutMethod))
    status: StatementStatus = Field(default=StatementStatus.PENDING, sa_type=enum_type(StatementStatus))
    amount: Decimal = Field(sa_type=Numeric(14, 2), max_digits=14, decimal_places=2)
    currency: str = Field(max_length=3)
    iban: str | None = Field(default=None, max_length=34)
    bic: str | None = Field(default=None, max_length=11)
    payment_reference: str = Field(max_length=35)
    created_at: datetime = timestamp_field()
    paid_at: datetime | None = timestamp_field(nullable=True)


class PilotReview(SQLModel, table=True):
    """The programme owner's decision at the end of the referral pilot (or of its extension):
    roll out to every eligible sponsor, extend the pilot, or stop inviting. One per pilot end."""

    id: int | None = Field(default=None, primary_key=True)
    ends_on: date = Field(unique=True)  # the pilot's last day this review is about
    policy_version: str = Field(max_length=40)
    figures: dict[str, Any] = json_field()  # the pilot's totals as the owner read them
    decision: str | None = Field(default=None, max_length=10)  # rollout, extend, stop
    extended_to: date | None = None
    decided_by: str | None = Field(default=None, max_length=254)
    decided_at: datetime | None = timestamp_field(nullable=True)
    flow_run_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = timestamp_field()
