"""Discount campaigns and the sign-offs they need before partners hear of them.

No ``from __future__ import annotations`` here: SQLModel resolves column types at runtime.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import enum_type, json_field, timestamp_field


class CampaignStatus(StrEnum):
    REFUSED = "refused"  # the request itself was invalid
    AWAITING_SIGNOFF = "awaiting-signoff"
    REJECTED = "rejected"  # by the policy or by a signer
    APPROVED = "approved"  # every sign-off in; offers go out on the start date
    ANNOUNCED = "announced"
    ENDED = "ended"


class Campaign(SQLModel, table=True):
    """A clearance campaign: what is discounted, for whom, and where its sign-off stands."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(default="", max_length=120)
    status: CampaignStatus = Field(sa_type=enum_type(CampaignStatus), index=True)
    product_line: str = Field(default="", max_length=60)
    skus: list[str] = json_field(default_factory=list)
    discount_pct: Decimal | None = Field(default=None, sa_type=Numeric(5, 2), max_digits=5, decimal_places=2)
    net_prices: dict[str, Any] = json_field()
    starts_on: date | None = None
    ends_on: date | None = None
    quantity: int = 0
    stock_value: Decimal | None = Field(default=None, sa_type=Numeric(14, 2), max_digits=14, decimal_places=2)
    eligibility: dict[str, Any] = json_field()
    requester_email: str = Field(default="", max_length=254)
    rationale: str = Field(default="", sa_type=Text)
    request: dict[str, Any] = json_field()
    problems: list[str] = json_field(default_factory=list)
    required_roles: list[str] = json_field(default_factory=list)
    rule_id: str | None = Field(default=None, max_length=60)
    reason: str | None = Field(default=None, sa_type=Text)
    policy_version: str | None = Field(default=None, max_length=40)
    policy_sha256: str | None = Field(default=None, max_length=64)
    created_at: datetime = timestamp_field()
    decided_at: datetime | None = timestamp_field(nullable=True)
    announced_at: datetime | None = timestamp_field(nullable=True)
    programme_reference: str | None = Field(default=None, max_length=80)
    confirmed_quantity: int | None = None
    allocation: dict[str, Any] = json_field()
    flow_run_id: str | None = Field(default=None, max_length=36, index=True)
    signoff_runs: dict[str, Any] = json_field()


class SignOff(SQLModel, table=True):
    """The accepted answer of one role; refused attempts live in the audit trail only."""

    __table_args__ = (UniqueConstraint("campaign_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(
        sa_column=Column(Integer, ForeignKey("campaign.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    role: str = Field(max_length=32)
    signer_email: str = Field(max_length=254)
    decision: str = Field(max_length=8)
    comment: str = Field(default="", sa_type=Text)
    details: dict[str, Any] = json_field()
    decided_at: datetime = timestamp_field()
