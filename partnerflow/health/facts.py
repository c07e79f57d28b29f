"""The facts the ``partner_health`` policy reads, for every active partner, counted by the database.

One statement: the active partners joined to five aggregates grouped by partner (registrations,
commission lines, reviews of their deals, training records, leads), each a single scan of its
table over the window. Python only divides counts into rates. This is what makes 20,000
partners a matter of seconds (``bench/partner_health.py``).

The window ends at ``as_of``: "this year" is the ``year_days`` before it, "last year" the
``year_days`` before that; "recent" is the last ``recent_days``, against the partner's own
average over the year before them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, and_, case, distinct, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col

from partnerflow.clock import programme_date
from partnerflow.models import (
    ApprovalAnswer,
    ApprovalRequest,
    CommissionLine,
    LeadEvent,
    LeadEventKind,
    LeadTurn,
    Partner,
    PartnerStatus,
    Registration,
    RegistrationStatus,
    TrainingKind,
    TrainingRecord,
)
from partnerflow.policy.kinds.partner_health import HealthWindows

LONG_STANDING = 999  # months in the programme of a partner whose joining date was never recorded
REGISTRATION_SUBJECT = "registration"
REQUEST_INFO = "request-info"


@dataclass(frozen=True)
class Window:
    """The instants and days the facts are counted between."""

    as_of: datetime
    windows: HealthWindows

    @property
    def year_start(self) -> datetime:
        return self.as_of - timedelta(days=self.windows.year_days)

    @property
    def last_year_start(self) -> datetime:
        return self.year_start - timedelta(days=self.windows.year_days)

    @property
    def recent_start(self) -> datetime:
        return self.as_of - timedelta(days=self.windows.recent_days)

    @property
    def usual_start(self) -> datetime:
        return self.recent_start - timedelta(days=self.windows.year_days)

    @property
    def today(self) -> date:
        return programme_date(self.as_of)


@dataclass(frozen=True)
class PartnerFacts:
    """One partner's identity and the ``partner`` facts of the policy."""

    partner_id: int
    name: str
    territory_code: str
    facts: dict[str, Any]


class days_between(FunctionElement[float]):  # noqa: N801 - an SQL function, named like one
    """``later - earlier`` in days (fractional), in each database's own date arithmetic."""

    type = Float()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(julianday({later}) - julianday({earlier}))"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"


def health_facts(session: Session, window: Window, partner_id: int | None = None) -> list[PartnerFacts]:
    """The facts of every active partner (or of ``partner_id``), ordered by partner id."""
    registrations = _registrations(window).subquery()
    commissions = _commissions(window).subquery()
    reviews = _reviews(window).subquery()
    training = _training(window).subquery()
    leads = _leads(window).subquery()
    query = (
        select(
            col(Partner.id),
            col(Partner.name),
            col(Partner.territory_code),
            col(Partner.tier),
            col(Partner.certified),
            col(Partner.joined_on),
            *_zero_if_missing(registrations, commissions, reviews, training, leads),
        )
        .select_from(Partner)
        .join(registrations, registrations.c.partner_id == col(Partner.id), isouter=True)
        .join(commissions, commissions.c.partner_id == col(Partner.id), isouter=True)
        .join(reviews, reviews.c.partner_id == col(Partner.id), isouter=True)
        .join(training, training.c.partner_id == col(Partner.id), isouter=True)
        .join(leads, leads.c.partner_id == col(Partner.id), isouter=True)
        .where(col(Partner.status) == PartnerStatus.ACTIVE)
        .order_by(col(Partner.id))
    )
    if partner_id is not None:
        query = query.where(col(Partner.id) == partner_id)
    return [_partner_facts(row._mapping, window) for row in session.execute(query)]


def _zero_if_missing(*aggregates: Any) -> list[ColumnElement[Any]]:
    """Every aggregate column (but the join key), 0 for a partner with no rows in that table."""
    return [
        func.coalesce(column, 0).label(column.name)
        for aggregate in aggregates
        for column in aggregate.c
        if column.name != "partner_id"
    ]


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0)).cast(Integer)


def _registrations(window: Window) -> Any:
    submitted = col(Registration.submitted_at)
    in_year = submitted >= window.year_start
    closed_in_year = col(Registration.closed_on) >= window.year_start.date()
    return (
        select(
            col(Registration.partner_id).label("partner_id"),
            _count(in_year).label("submissions"),
            _count(and_(in_year, col(Registration.status) == RegistrationStatus.REFUSED)).label("refused"),
            _count(and_(closed_in_year, col(Registration.status) == RegistrationStatus.WON)).label(
                "deals_won"
            ),
            _count(and_(closed_in_year, col(Registration.status) == RegistrationStatus.LOST)).label(
                "deals_lost"
            ),
            _count(submitted >= window.recent_start).label("registrations_recent"),
            _count(and_(submitted >= window.usual_start, submitted < window.recent_start)).label(
                "registrations_before"
            ),
            func.count(distinct(case((in_year, col(Registration.policy_version))))).label("policy_versions"),
        )
        .where(or_(submitted >= window.usual_start, closed_in_year), submitted < window.as_of)
        .group_by(col(Registration.partner_id))
    )


def _commissions(window: Window) -> Any:
    closed = col(CommissionLine.closed_on)
    return (
        select(
            col(CommissionLine.partner_id).label("partner_id"),
            func.sum(case((closed >= window.year_start.date(), col(CommissionLine.amount)), else_=0)).label(
                "commission_this_year"
            ),
            func.sum(case((closed < window.year_start.date(), col(CommissionLine.amount)), else_=0)).label(
                "commission_last_year"
            ),
        )
        .where(closed >= window.last_year_start.date(), closed < window.today)
        .group_by(col(CommissionLine.partner_id))
    )


def _reviews(window: Window) -> Any:
    """Review rounds of the partner's registrations requested this year, how many waited for our
    answer longer than ``slow_review_days`` (still open ones count until now), and the partner's
    answers we asked for (request-info)."""
    requested = col(ApprovalRequest.requested_at)
    waited = days_between(func.coalesce(col(ApprovalRequest.closed_at), window.as_of), requested)
    asked_for_information = (
        select(func.count())
        .where(
            col(ApprovalAnswer.request_id) == col(ApprovalRequest.id),
            col(ApprovalAnswer.decision) == REQUEST_INFO,
        )
        .correlate(ApprovalRequest)
        .scalar_subquery()
    )
    return (
        select(
            col(Registration.partner_id).label("partner_id"),
            func.count().label("reviews"),
            _count(waited > window.windows.slow_review_days).label("slow_reviews"),
            func.avg(waited).label("review_wait_days"),
            func.sum(asked_for_information).label("info_requests"),
        )
        .select_from(ApprovalRequest)
        .join(Registration, col(Registration.id) == col(ApprovalRequest.subject_id))
        .where(
            col(ApprovalRequest.subject_kind) == REGISTRATION_SUBJECT,
            requested >= window.year_start,
            requested < window.as_of,
        )
        .group_by(col(Registration.partner_id))
    )


def _training(window: Window) -> Any:
    """Courses followed this year; certifications whose latest renewal lapses within the warning
    period (or has lapsed)."""
    latest = (
        select(
            col(TrainingRecord.partner_id).label("partner_id"),
            func.max(TrainingRecord.expires_on).label("expires_on"),
        )
        .where(col(TrainingRecord.kind) == TrainingKind.CERTIFICATION)
        .group_by(col(TrainingRecord.partner_id), col(TrainingRecord.course))
        .subquery()
    )
    warning_until = window.today + timedelta(days=window.windows.expiry_warning_days)
    lapsing = (
        select(
            latest.c.partner_id, _count(latest.c.expires_on <= warning_until).label("certifications_expiring")
        )
        .group_by(latest.c.partner_id)
        .subquery()
    )
    courses = (
        select(
            col(TrainingRecord.partner_id).label("partner_id"),
            func.count().label("courses_this_year"),
        )
        .where(
            col(TrainingRecord.kind) == TrainingKind.COURSE,
            col(TrainingRecord.completed_on) >= window.year_start.date(),
            col(TrainingRecord.completed_on) <= window.today,
        )
        .group_by(col(TrainingRecord.partner_id))
        .subquery()
    )
    return (
        select(
            col(Partner.id).label("partner_id"),
            func.coalesce(lapsing.c.certifications_expiring, 0).label("certifications_expiring"),
            func.coalesce(courses.c.courses_this_year, 0).label("courses_this_year"),
        )
        .select_from(Partner)
        .join(lapsing, lapsing.c.partner_id == col(Partner.id), isouter=True)
        .join(courses, courses.c.partner_id == col(Partner.id), isouter=True)
        .where(or_(lapsing.c.partner_id.is_not(None), courses.c.partner_id.is_not(None)))
    )


def _leads(window: Window) -> Any:
    opened = (
        select(col(LeadEvent.lead_id).label("lead_id"), col(LeadEvent.reseller_id).label("reseller_id"))
        .where(col(LeadEvent.kind) == LeadEventKind.OPENED)
        .group_by(col(LeadEvent.lead_id), col(LeadEvent.reseller_id))
        .subquery()
    )
    return (
        select(
            col(LeadTurn.reseller_id).label("partner_id"),
            func.count().label("leads"),
            func.count(opened.c.lead_id).label("leads_opened"),
        )
        .select_from(LeadTurn)
        .join(
            opened,
            (opened.c.lead_id == col(LeadTurn.lead_id)) & (opened.c.reseller_id == col(LeadTurn.reseller_id)),
            isouter=True,
        )
        .where(col(LeadTurn.received_at) >= window.year_start, col(LeadTurn.received_at) < window.as_of)
        .group_by(col(LeadTurn.reseller_id))
    )


def _partner_facts(row: Any, window: Window) -> PartnerFacts:
    """Counts into the policy's facts: rates, and the usual activity scaled to the recent window."""
    decided = row["deals_won"] + row["deals_lost"]
    windows = window.windows
    joined_on: date | None = row["joined_on"]
    facts = {
        "tier": str(row["tier"]),
        "certified": bool(row["certified"]),
        "months_in_programme": _months_between(joined_on, window.today) if joined_on else LONG_STANDING,
        "commission_this_year": float(row["commission_this_year"]),
        "commission_last_year": float(row["commission_last_year"]),
        "deals_won": int(row["deals_won"]),
        "deals_lost": int(row["deals_lost"]),
        "win_rate": row["deals_won"] / decided if decided else 0.0,
        "reviews": int(row["reviews"]),
        "slow_reviews": int(row["slow_reviews"]),
        "review_wait_days": float(row["review_wait_days"]),
        "submissions": int(row["submissions"]),
        "refused": int(row["refused"]),
        "refused_share": row["refused"] / row["submissions"] if row["submissions"] else 0.0,
        "info_requests": int(row["info_requests"]),
        "certifications_expiring": int(row["certifications_expiring"]),
        "courses_this_year": int(row["courses_this_year"]),
        "registrations_recent": int(row["registrations_recent"]),
        "registrations_usual": row["registrations_before"] * windows.recent_days / windows.year_days,
        "leads": int(row["leads"]),
        "lead_open_rate": row["leads_opened"] / row["leads"] if row["leads"] else 1.0,
        "policy_versions": int(row["policy_versions"]),
    }
    return PartnerFacts(int(row["id"]), str(row["name"]), str(row["territory_code"]), facts)


def _months_between(start: date, end: date) -> int:
    return max(0, (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day))
