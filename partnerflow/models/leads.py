"""Leads the vendor hands to resellers, what each reseller did with them, and the yearly
rebalancing that judges it.

Ids of leads and events come from the lead-distribution system, so importing the same file twice
finds them and changes nothing. No ``from __future__ import annotations`` (SQLModel).
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import enum_type, json_field, timestamp_field


class LeadEventKind(StrEnum):
    SENT = "sent"
    OPENED = "opened"
    STATUS = "status"  # the reseller declared in progress, sold or lost


class LeadStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SOLD = "sold"
    LOST = "lost"


class Lead(SQLModel, table=True):
    __table_args__ = (Index("ix_lead_reseller_received", "reseller_id", "received_at"),)

    id: str = Field(primary_key=True, max_length=64)
    departement: str = Field(
        sa_column=Column(
            String(3), ForeignKey("territory.code", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    reseller_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False)
    )
    received_at: datetime = timestamp_field(index=True)


class LeadEvent(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    lead_id: str = Field(
        sa_column=Column(String(64), ForeignKey("lead.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    kind: LeadEventKind = Field(sa_type=enum_type(LeadEventKind))
    status: LeadStatus | None = Field(default=None, sa_type=enum_type(LeadStatus), nullable=True)
    occurred_at: datetime = timestamp_field()


class RebalancingStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting-approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    APPLIED = "applied"


class Rebalancing(SQLModel, table=True):
    """One per judged year: the proposals, the channel manager's answer, then the changes."""

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    status: RebalancingStatus = Field(sa_type=enum_type(RebalancingStatus), index=True)
    policy_version: str = Field(max_length=40)
    policy_sha256: str = Field(max_length=64)
    departements: list[dict[str, Any]] = json_field(default_factory=list)
    flow_run_id: str | None = Field(default=None, max_length=36)
    decided_by: str | None = Field(default=None, max_length=254)
    comment: str = Field(default="")
    excluded: list[int] = json_field(default_factory=list)
    created_at: datetime = timestamp_field()
    decided_at: datetime | None = timestamp_field(nullable=True)


class Proposal(SQLModel, table=True):
    """What the policy proposes for one reseller in one year, with the KPIs it judged on."""

    __table_args__ = (UniqueConstraint("rebalancing_id", "partner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    rebalancing_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("rebalancing.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False)
    )
    outcome: str = Field(max_length=16)
    rule_id: str = Field(max_length=60)
    reason: str = Field(default="")
    reason_texts: dict[str, str] = json_field()  # the reason in each locale, for the scorecard
    kpis: dict[str, Any] = json_field()
    applied_outcome: str | None = Field(default=None, max_length=16)
