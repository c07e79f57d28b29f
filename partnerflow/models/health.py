"""Partners leaving the programme, with why: what attrition is measured from.

No ``from __future__ import annotations`` here: SQLModel resolves column types at runtime.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import enum_type, timestamp_field


class ExitKind(StrEnum):
    PAUSED = "paused"  # by the annual rebalancing (may come back)
    REMOVED = "removed"  # left the programme


class AttritionCause(StrEnum):
    """The causes of partner attrition the programme's material names."""

    COMPLEXITY = "complexity"
    INCONSISTENCY = "inconsistency"
    TRAINING = "training"
    BUSINESS_CHANGE = "business-change"
    COMMUNICATION = "communication"
    RETURN_ON_INVESTMENT = "return-on-investment"


class ExitSource(StrEnum):
    REBALANCING = "rebalancing"  # the rebalancing rule that paused the partner
    CHANNEL_MANAGER = "channel-manager"
    EXIT_SURVEY = "exit-survey"


class PartnerExit(SQLModel, table=True):
    """One partner leaving (paused or removed) on one day, with the reason as recorded."""

    __table_args__ = (UniqueConstraint("partner_id", "left_on", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    left_on: date = Field(index=True)
    kind: ExitKind = Field(sa_type=enum_type(ExitKind))
    cause: AttritionCause | None = Field(default=None, sa_type=enum_type(AttritionCause))
    source: ExitSource = Field(sa_type=enum_type(ExitSource))
    rule_id: str | None = Field(default=None, max_length=60)
    reason: str = Field(default="", sa_type=Text)
    recorded_at: datetime = timestamp_field()


class TrainingKind(StrEnum):
    COURSE = "course"
    CERTIFICATION = "certification"


class TrainingRecord(SQLModel, table=True):
    """A course a partner followed or a certification it holds, with when it lapses."""

    __table_args__ = (UniqueConstraint("partner_id", "course", "completed_on"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    course: str = Field(max_length=120)
    kind: TrainingKind = Field(sa_type=enum_type(TrainingKind))
    completed_on: date
    expires_on: date | None = Field(default=None, index=True)
    recorded_at: datetime = timestamp_field()
