"""Commission lines: what a partner earns on each won, registered deal.

No ``from __future__ import annotations`` here: SQLModel resolves column types at runtime.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import enum_type, json_field, timestamp_field


class LineStatus(StrEnum):
    ACCRUED = "accrued"  # earned, in its hold period or waiting for the next settlement


class CommissionLine(SQLModel, table=True):
    """One accrual per deal: the unique registration is the "never accrued twice" guarantee."""

    __table_args__ = (UniqueConstraint("registration_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("registration.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    kind: str = Field(default="accrual", max_length=16)
    status: LineStatus = Field(default=LineStatus.ACCRUED, sa_type=enum_type(LineStatus), index=True)
    amount: Decimal = Field(sa_type=Numeric(14, 2), max_digits=14, decimal_places=2)
    currency: str = Field(max_length=3)
    deal_amount: Decimal = Field(sa_type=Numeric(14, 2), max_digits=14, decimal_places=2)
    product_line: str = Field(max_length=60)
    closed_on: date
    payable_from: date = Field(index=True)
    plan_version: str = Field(max_length=40)
    plan_sha256: str = Field(max_length=64)
    explanation: list[str] = json_field(default_factory=list)
    details: dict[str, Any] = json_field()
    created_at: datetime = timestamp_field()
