"""Leads the vendor hands to resellers, each reseller's turn with them, what it did, and the
yearly rebalancing that judges it.

Ids of imported leads and events come from the system they were recorded in, so importing the
same file twice finds them and changes nothing; a lead taken in by ``leads submit`` keeps its
sender's ``external_id`` for the same reason. No ``from __future__ import annotations`` (SQLModel).
"""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import enum_type, json_field, timestamp_field


class LeadEventKind(StrEnum):
    SENT = "sent"
    OPENED = "opened"  # the reseller revealed the prospect's contact
    ACCEPTED = "accepted"
    DECLINED = "declined"
    STATUS = "status"  # the reseller declared in progress, sold or lost


class LeadStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SOLD = "sold"
    LOST = "lost"


class LeadState(StrEnum):
    """Where a lead is in its distribution."""

    NEW = "new"  # taken in, not routed yet
    OFFERED = "offered"  # a reseller has it and has not accepted yet
    ACCEPTED = "accepted"  # a reseller works it
    CLOSED = "closed"  # sold or lost
    UNROUTED = "unrouted"  # no candidate left: the département's channel manager decides
    HISTORY = "history"  # imported from another system: partnerflow does not route it


class TurnState(StrEnum):
    """One reseller's turn with a lead. Offered and accepted turns hold the lead."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # not accepted in time: passed on
    CLOSED = "closed"  # the reseller declared it sold or lost
    RECORDED = "recorded"  # history imported from another system


HOLDING = (TurnState.OFFERED, TurnState.ACCEPTED)
HOLDING_SQL = "state IN ('offered', 'accepted')"


class Lead(SQLModel, table=True):
    """A prospect the vendor hands on. The contact details are kept only as long as the
    retention setting says, then blanked (``purged_at``); the lead and its history stay."""

    __table_args__ = (Index("ix_lead_state_received", "state", "received_at", "id"),)

    id: str = Field(primary_key=True, max_length=64)
    external_id: str | None = Field(default=None, max_length=64, unique=True)
    departement: str = Field(
        sa_column=Column(
            String(3), ForeignKey("territory.code", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    received_at: datetime = timestamp_field(index=True)
    state: LeadState = Field(default=LeadState.HISTORY, sa_type=enum_type(LeadState))
    company: str = Field(default="", max_length=200)
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(default=None, max_length=40)
    product_lines: list[str] = json_field(default_factory=list)
    source: str = Field(default="", max_length=60)
    consent: bool = Field(default=False)
    note: str = Field(default="", max_length=2000)
    passes: int = Field(default=0)  # times it was passed on to another reseller
    purged_at: datetime | None = timestamp_field(nullable=True)


class LeadTurn(SQLModel, table=True):
    """One reseller's turn with one lead: offered, then accepted, declined, withdrawn or closed.

    What the KPIs count: a lead passed on counts for each reseller that had it. The database
    keeps one holding turn per lead (a partial unique index), so two routers, or a router and a
    late accept, can never give a lead twice.
    """

    __table_args__ = (
        UniqueConstraint("lead_id", "reseller_id"),
        Index("ix_leadturn_reseller_received", "reseller_id", "received_at"),
        Index(
            "ux_leadturn_one_holder",
            "lead_id",
            unique=True,
            sqlite_where=text(HOLDING_SQL),
            postgresql_where=text(HOLDING_SQL),
        ),
        Index("ix_leadturn_state_deadline", "state", "deadline_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lead_id: str = Field(
        sa_column=Column(String(64), ForeignKey("lead.id", ondelete="CASCADE"), nullable=False)
    )
    reseller_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False)
    )
    state: TurnState = Field(sa_type=enum_type(TurnState))
    received_at: datetime = timestamp_field()
    deadline_at: datetime | None = timestamp_field(nullable=True)
    remind_at: datetime | None = timestamp_field(nullable=True)  # offered: when to remind
    reminded_at: datetime | None = timestamp_field(nullable=True)
    status_due_at: datetime | None = timestamp_field(nullable=True)  # accepted, no status yet
    ended_at: datetime | None = timestamp_field(nullable=True)
    reason: str = Field(default="", max_length=500)  # why declined or lost
    amount: Decimal | None = Field(default=None, sa_type=Numeric(14, 2), max_digits=14, decimal_places=2)
    rule_id: str = Field(default="", max_length=60)
    policy_version: str = Field(default="", max_length=40)
    policy_sha256: str = Field(default="", max_length=64)
    ranking: list[dict[str, Any]] = json_field(default_factory=list)  # why this reseller


class LeadEvent(SQLModel, table=True):
    """What a reseller did with a lead it had (the KPIs count these per turn)."""

    __table_args__ = (Index("ix_leadevent_lead_reseller", "lead_id", "reseller_id"),)

    id: str = Field(primary_key=True, max_length=64)
    lead_id: str = Field(
        sa_column=Column(String(64), ForeignKey("lead.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    reseller_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False)
    )
    kind: LeadEventKind = Field(sa_type=enum_type(LeadEventKind))
    status: LeadStatus | None = Field(default=None, sa_type=enum_type(LeadStatus), nullable=True)
    occurred_at: datetime = timestamp_field()


class HandoverOutcome(StrEnum):
    OFFERED = "offered"  # the manager chose a reseller: it has a turn like a routed offer
    CLOSED = "closed"  # the manager closed the lead, with a reason


class LeadHandover(SQLModel, table=True):
    """A lead no reseller may take, put to its département's channel manager: offer it to a
    reseller they choose, or close it. One awaiting handover per lead (a partial unique index);
    a lead the chosen reseller declines comes back as a new one."""

    __tablename__ = "lead_handover"
    __table_args__ = (
        Index(
            "ux_lead_handover_awaiting",
            "lead_id",
            unique=True,
            sqlite_where=text("awaiting"),
            postgresql_where=text("awaiting"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    lead_id: str = Field(
        sa_column=Column(String(64), ForeignKey("lead.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    rule_id: str = Field(max_length=60)  # why no reseller may take it (the routing's rule)
    opened_at: datetime = timestamp_field()
    awaiting: bool = True
    flow_run_id: str | None = Field(default=None, max_length=36)  # the run that asks and waits
    outcome: HandoverOutcome | None = Field(default=None, sa_type=enum_type(HandoverOutcome), nullable=True)
    reseller_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=True)
    )
    reason: str = Field(default="", max_length=500)
    decided_by: str | None = Field(default=None, max_length=254)
    decided_at: datetime | None = timestamp_field(nullable=True)


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
    thinned_out: list[int] = json_field(default_factory=list)  # paused by the manager's choice
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
