"""Deal registrations, the protection they hold, and reviewers' votes.

No ``from __future__ import annotations`` here: SQLModel resolves column types at runtime.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import enum_type, json_field, timestamp_field


class RegistrationStatus(StrEnum):
    REFUSED = "refused"  # the submission itself was invalid; never evaluated
    PENDING_REVIEW = "pending-review"
    INFO_REQUESTED = "info-requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CLOSE_REVIEW = "close-review"  # recorded as won far above its registered amount: to confirm
    WON = "won"
    LOST = "lost"


OPEN_STATUSES = (RegistrationStatus.PENDING_REVIEW, RegistrationStatus.INFO_REQUESTED)


class Registration(SQLModel, table=True):
    """One opportunity a partner registered, from submission to protection, expiry or close."""

    # A partner's own reference for the row, so that a file submitted twice creates nothing new.
    __table_args__ = (
        UniqueConstraint("partner_id", "external_id", name="uq_registration_partner_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = Field(default=None, max_length=64)
    referral_code: str | None = Field(default=None, max_length=12, index=True)  # a sponsor's, quoted
    partner_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=True, index=True),
    )
    status: RegistrationStatus = Field(sa_type=enum_type(RegistrationStatus), index=True)
    customer_name: str = Field(default="", max_length=200)
    customer_siren: str | None = Field(default=None, max_length=9)
    customer_domain: str | None = Field(default=None, max_length=253)
    customer_email: str | None = Field(default=None, max_length=254)
    customer_departement: str = Field(default="", max_length=3)
    customer_key: str = Field(default="", max_length=260, index=True)
    product_lines: list[str] = json_field(default_factory=list)
    amount: Decimal | None = Field(default=None, sa_type=Numeric(14, 2), max_digits=14, decimal_places=2)
    currency: str = Field(default="EUR", max_length=3)
    expected_close_on: date | None = None
    notes: str = Field(default="", sa_type=Text)
    submitted_at: datetime = timestamp_field(index=True)
    submission: dict[str, Any] = json_field()
    problems: list[str] = json_field(default_factory=list)

    outcome: str | None = Field(
        default=None, max_length=16, description="the policy's outcome, before review"
    )
    rule_id: str | None = Field(default=None, max_length=60)
    reason: str | None = Field(default=None, sa_type=Text)
    reason_texts: dict[str, str] = json_field()  # the policy's reason in each locale, for the partner
    policy_version: str | None = Field(default=None, max_length=40)
    policy_sha256: str | None = Field(default=None, max_length=64)
    facts: dict[str, Any] = json_field()
    review_level: str | None = Field(default=None, max_length=32)
    approvers_required: int = 1
    review_requested_at: datetime | None = timestamp_field(nullable=True)
    reminded_at: datetime | None = timestamp_field(nullable=True)
    escalated_at: datetime | None = timestamp_field(nullable=True)
    info_request: str | None = Field(default=None, sa_type=Text)
    decided_at: datetime | None = timestamp_field(nullable=True)
    approved_at: datetime | None = timestamp_field(nullable=True)
    protection_ends_on: date | None = Field(default=None, index=True)
    extensions_used: int = 0
    flow_run_id: str | None = Field(default=None, max_length=36)
    closed_on: date | None = None
    closed_amount: Decimal | None = Field(
        default=None, sa_type=Numeric(14, 2), max_digits=14, decimal_places=2
    )


class ProtectionClaim(SQLModel, table=True):
    """One row per (customer, product line) that an approved registration protects.

    The primary key is the rule "one protected partner per customer and product line": two
    concurrent approvals cannot both insert it, whatever the isolation level.
    """

    customer_key: str = Field(primary_key=True, max_length=260)
    product_line: str = Field(primary_key=True, max_length=60)
    registration_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("registration.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    created_at: datetime = timestamp_field()


class PendingSubmission(SQLModel, table=True):
    """A submission received for the batch intake (``deals submit --queue``), decided later in bulk."""

    id: int | None = Field(default=None, primary_key=True)
    raw: dict[str, Any] = json_field()
    received_at: datetime = timestamp_field(index=True)
    registration_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("registration.id", ondelete="RESTRICT"), nullable=True, index=True
        ),
    )
