"""Commission lines, partner statements and the monthly settlement batch that pays them.

The unique keys are the "exactly once" guarantees: one accrual and one clawback per deal, one
settlement batch per period, one statement per partner and period, one finance answer per round.
No ``from __future__ import annotations`` here: SQLModel resolves column types at runtime.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import enum_type, json_field, timestamp_field


class LineStatus(StrEnum):
    ACCRUED = "accrued"  # earned, in its hold period or waiting for the next settlement
    CANCELLED = "cancelled"  # reversed before it was settled: it will never be paid
    SETTLED = "settled"  # on a partner statement


class LineKind(StrEnum):
    ACCRUAL = "accrual"  # what the deal earned
    CLAWBACK = "clawback"  # the negative of a settled accrual, after a refund or cancellation


def money_field() -> Any:
    return Field(sa_type=Numeric(14, 2), max_digits=14, decimal_places=2)


class CommissionLine(SQLModel, table=True):
    """One accrual per deal (and at most one clawback): the unique key forbids a second."""

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
    kind: LineKind = Field(default=LineKind.ACCRUAL, sa_type=enum_type(LineKind))
    status: LineStatus = Field(default=LineStatus.ACCRUED, sa_type=enum_type(LineStatus), index=True)
    amount: Decimal = money_field()
    currency: str = Field(max_length=3)
    deal_amount: Decimal = money_field()
    product_line: str = Field(max_length=60)
    closed_on: date
    payable_from: date = Field(index=True)
    plan_version: str = Field(max_length=40)
    plan_sha256: str = Field(max_length=64)
    explanation: list[str] = json_field(default_factory=list)
    details: dict[str, Any] = json_field()
    statement_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("statement.id", ondelete="RESTRICT"), nullable=True, index=True),
    )
    created_at: datetime = timestamp_field()


class BatchStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting-approval"
    APPROVED = "approved"
    REJECTED = "rejected"  # its lines went back to the pool for a later settlement
    FILE_WRITTEN = "file-written"
    PAID = "paid"


class SettlementBatch(SQLModel, table=True):
    """One per period: the statements of the month, their approval and the payment file."""

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=7, unique=True)  # YYYY-MM
    status: BatchStatus = Field(sa_type=enum_type(BatchStatus), index=True)
    currency: str = Field(max_length=3)
    total: Decimal = money_field()
    approvals_needed: int = Field(default=0, ge=0, le=2)
    plan_version: str = Field(max_length=40)
    plan_sha256: str = Field(max_length=64)
    held_back: list[dict[str, Any]] = json_field(default_factory=list)
    carried_forward: list[dict[str, Any]] = json_field(default_factory=list)
    flow_run_id: str | None = Field(default=None, max_length=36)
    payment_id: str | None = Field(default=None, max_length=35)  # the SEPA message id
    payment_xml: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    payment_csv: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = timestamp_field()
    decided_at: datetime | None = timestamp_field(nullable=True)
    paid_at: datetime | None = timestamp_field(nullable=True)


class StatementStatus(StrEnum):
    PENDING = "pending"  # waiting for the batch's approval and payment
    PAID = "paid"
    REJECTED = "rejected"  # finance rejected the batch; its lines are back in the pool


class Statement(SQLModel, table=True):
    """What one partner is paid for one period: every line, net of clawbacks."""

    __table_args__ = (UniqueConstraint("period", "partner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("settlementbatch.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    period: str = Field(max_length=7)
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    status: StatementStatus = Field(default=StatementStatus.PENDING, sa_type=enum_type(StatementStatus))
    currency: str = Field(max_length=3)
    earned: Decimal = money_field()
    clawed_back: Decimal = money_field()
    net: Decimal = money_field()
    iban: str = Field(max_length=34)
    bic: str | None = Field(default=None, max_length=11)
    payment_reference: str = Field(max_length=35)  # the SEPA end-to-end id
    created_at: datetime = timestamp_field()
    paid_at: datetime | None = timestamp_field(nullable=True)
