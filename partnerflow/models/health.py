"""Partners leaving the programme, with why: what attrition is measured from.

No ``from __future__ import annotations`` here: SQLModel resolves column types at runtime.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import enum_type, json_field, timestamp_field


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
    returned_on: date | None = Field(default=None)  # a paused reseller reactivated that day


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


class SurveyRound(SQLModel, table=True):
    """One quarter's anonymous partner survey: open from ``opened_at`` to ``closes_at``."""

    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(max_length=20, unique=True)  # 2026-Q4
    opened_at: datetime = timestamp_field()
    closes_at: datetime = timestamp_field()
    min_group: int = Field(ge=1)  # results of a smaller group are never shown
    remind_after_days: int = Field(ge=1)
    policy_version: str = Field(max_length=40)


class SurveyInvitation(SQLModel, table=True):
    """Who was asked (to remind those who have not answered) and never which answer is theirs.

    The personal link is signed over the invitation's id (nothing secret is stored);
    ``answered`` is a flag without a time, so nothing here can be lined up with the tallies an
    answer increments. ``tier_group`` and
    ``region_group`` are the groups the answer will count in: the partner's tier and région, or
    ``other`` when fewer than the round's ``min_group`` invited partners share it.
    """

    __table_args__ = (UniqueConstraint("round_id", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("surveyround.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    email: str = Field(max_length=254)
    locale: str = Field(max_length=5)
    tier_group: str = Field(max_length=80)
    region_group: str = Field(max_length=80)
    answered: bool = False
    reminded: bool = False


class SurveyTally(SQLModel, table=True):
    """How many answers gave ``value`` to ``question`` in one group of one round.

    Answers are never stored one by one: answering adds one to a row per question in the
    programme-wide, tier and région groups, and the comment (if any) goes to
    :class:`SurveyComment` alone. No row holds a partner, an invitation, a token or a time.
    """

    round_id: int = Field(
        sa_column=Column(Integer, ForeignKey("surveyround.id", ondelete="CASCADE"), primary_key=True)
    )
    dimension: str = Field(primary_key=True, max_length=10)  # all, tier, region
    grp: str = Field(primary_key=True, max_length=80)
    question: str = Field(primary_key=True, max_length=40)
    value: int = Field(primary_key=True)
    count: int = 0


class SurveyComment(SQLModel, table=True):
    """A free-text answer, with nothing but its round: not even the group (a comment and a small
    group together could name the partner). The id is random, not a sequence."""

    id: str = Field(primary_key=True, max_length=32)
    round_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("surveyround.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    text: str = Field(sa_type=Text)


class HealthReviewStatus(StrEnum):
    AWAITING_ACTIONS = "awaiting-actions"  # at-risk partners: a channel manager chooses actions
    DECIDED = "decided"
    NOTHING_AT_RISK = "nothing-at-risk"


class HealthReview(SQLModel, table=True):
    """One month's health of every active partner, and the actions chosen for those at risk."""

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, unique=True)  # YYYY-MM
    status: HealthReviewStatus = Field(sa_type=enum_type(HealthReviewStatus))
    policy_version: str = Field(max_length=40)
    flow_run_id: str | None = Field(default=None, max_length=36)
    decided_by: str | None = Field(default=None, max_length=254)
    decided_at: datetime | None = timestamp_field(nullable=True)
    comment: str = Field(default="", sa_type=Text)
    created_at: datetime = timestamp_field()


class HealthSnapshot(SQLModel, table=True):
    """A partner's level and drivers in one review, and the action a channel manager chose then
    (what the next month's review follows up: did the level improve?)."""

    review_id: int = Field(
        sa_column=Column(Integer, ForeignKey("healthreview.id", ondelete="CASCADE"), primary_key=True)
    )
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), primary_key=True, index=True)
    )
    level: str = Field(max_length=10)
    weight: int = 0
    drivers: list[str] = json_field(default_factory=list)
    action: str | None = Field(default=None, max_length=30)


class CandidateStatus(StrEnum):
    PROPOSED = "proposed"  # meets the admission policy: waits for a channel manager
    HELD = "held"  # not yet (e.g. no certified staff): judged again at its next import
    REFUSED = "refused"  # by the admission policy
    ADMITTED = "admitted"  # approved: now a partner
    REJECTED = "rejected"  # by a channel manager


class PartnerCandidate(SQLModel, table=True):
    """A company that wants to become a reseller: judged by the ``partner_admission`` policy,
    then admitted or not by a channel manager."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    siren: str = Field(max_length=9, unique=True)
    departement: str = Field(
        sa_column=Column(String(3), ForeignKey("territory.code", ondelete="RESTRICT"), nullable=False)
    )
    sector: str = Field(max_length=40)
    sales_staff: int = Field(ge=0)
    certified_staff: int = Field(ge=0)
    contact_email: str = Field(max_length=254)
    locale: str = Field(default="fr", max_length=5)
    status: CandidateStatus = Field(sa_type=enum_type(CandidateStatus), index=True)
    rule_id: str = Field(default="", max_length=60)
    reason: str = Field(default="", sa_type=Text)
    policy_version: str = Field(max_length=40)
    batch_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("admissionbatch.id", ondelete="SET NULL"), nullable=True),
    )
    partner_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=True)
    )
    imported_at: datetime = timestamp_field()


class AdmissionBatch(SQLModel, table=True):
    """The proposed candidates put to the channel managers together, and what they decided."""

    id: int | None = Field(default=None, primary_key=True)
    awaiting: bool = True
    flow_run_id: str | None = Field(default=None, max_length=36)
    decided_by: str | None = Field(default=None, max_length=254)
    decided_at: datetime | None = timestamp_field(nullable=True)
    comment: str = Field(default="", sa_type=Text)
    created_at: datetime = timestamp_field()


class ExitInvitation(SQLModel, table=True):
    """A leaving partner asked why (not anonymous: the page says so): its answer gives the exit
    its cause when nobody recorded one."""

    id: int | None = Field(default=None, primary_key=True)
    exit_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnerexit.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    email: str = Field(max_length=254)
    locale: str = Field(max_length=5)
    cause: AttritionCause | None = Field(default=None, sa_type=enum_type(AttritionCause))
    scores: dict[str, int] = json_field()
    comment: str = Field(default="", sa_type=Text)
    answered_at: datetime | None = timestamp_field(nullable=True)
    sent_at: datetime = timestamp_field()


class PartnerRemoval(SQLModel, table=True):
    """A channel manager's decision to remove a partner from the programme, asked by an operator
    with a cause and a reason, confirmed (or not) with the manager's personal link or code."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    cause: AttritionCause = Field(sa_type=enum_type(AttritionCause))
    reason: str = Field(sa_type=Text)
    requested_by: str = Field(max_length=254)  # operator:<the proven e-mail of who asked>
    awaiting: bool = True
    removed: bool = False
    decided_by: str | None = Field(default=None, max_length=254)
    flow_run_id: str | None = Field(default=None, max_length=36)
    requested_at: datetime = timestamp_field()
    decided_at: datetime | None = timestamp_field(nullable=True)
