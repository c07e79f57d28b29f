"""Attrition, measured by the database: who was active when a period started, who left during it.

A partner *leaves* during a period when it is paused or removed (a :class:`PartnerExit`, with its
cause and reason) or when it goes quiet: active at the start (a registration, a lead opened or
worked, or a commission in the ``inactive_after`` before the start, or joined recently) and
without any such activity in the ``inactive_after`` before the end. The rate is left / active at
the start, for the whole programme and per tier or région, quarter by quarter and for the year.

Every count is one SQL statement (EXISTS per partner, SUM per group): nothing is counted row by
row in Python, so it holds at 20,000 partners.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import Integer, and_, case, exists, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from partnerflow.models import (
    CommissionLine,
    ExitKind,
    LeadEvent,
    LeadEventKind,
    Partner,
    PartnerExit,
    Registration,
    Territory,
)

Grouping = Literal["tier", "region"]


@dataclass(frozen=True)
class AttritionRow:
    """One group's attrition over one period."""

    group: str  # "all", a tier, or a région
    active_at_start: int
    paused: int
    removed: int
    inactive: int

    @property
    def left(self) -> int:
        return self.paused + self.removed + self.inactive

    @property
    def rate(self) -> float:
        return self.left / self.active_at_start if self.active_at_start else 0.0


@dataclass(frozen=True)
class AttritionPeriod:
    label: str  # 2026-Q1, 2026
    start: date
    end: date  # exclusive
    rows: tuple[AttritionRow, ...]


def attrition_trend(
    session: Session, year: int, *, inactive_after: timedelta, by: Grouping | None = None
) -> list[AttritionPeriod]:
    """The four quarters of ``year`` and the year itself."""
    quarters = [(f"{year}-Q{q}", date(year, 3 * q - 2, 1)) for q in range(1, 5)]
    bounds = [*(start for _, start in quarters[1:]), date(year + 1, 1, 1)]
    periods = [
        attrition(session, label, start, end, inactive_after=inactive_after, by=by)
        for (label, start), end in zip(quarters, bounds, strict=True)
    ]
    whole = attrition(
        session, str(year), date(year, 1, 1), date(year + 1, 1, 1), inactive_after=inactive_after, by=by
    )
    return [*periods, whole]


def attrition(
    session: Session,
    label: str,
    start: date,
    end: date,
    *,
    inactive_after: timedelta,
    by: Grouping | None = None,
) -> AttritionPeriod:
    """Attrition from ``start`` (included) to ``end`` (excluded)."""
    flags = _partner_flags(start, end, inactive_after).subquery()
    group: ColumnElement[Any] = (
        flags.c.tier if by == "tier" else flags.c.region if by == "region" else literal("all")
    )
    counted = (
        select(
            group.label("grp"),
            func.sum(flags.c.active).label("active"),
            func.sum(flags.c.active * flags.c.paused).label("paused"),
            func.sum(flags.c.active * flags.c.removed).label("removed"),
            func.sum(flags.c.active * (1 - flags.c.paused) * (1 - flags.c.removed) * flags.c.quiet).label(
                "inactive"
            ),
        )
        .group_by(group)
        .order_by(group)
    )
    rows = tuple(
        AttritionRow(str(grp), int(active or 0), int(paused or 0), int(removed or 0), int(inactive or 0))
        for grp, active, paused, removed, inactive in session.execute(counted)
    )
    return AttritionPeriod(label, start, end, rows)


def _partner_flags(start: date, end: date, inactive_after: timedelta) -> Any:
    """One row per partner: its tier and région, and 0/1 flags computed by the database."""
    start_at, end_at = _instant(start), _instant(end)
    exited_before_start = exists().where(  # and not back by then (a paused reseller reactivated)
        col(PartnerExit.partner_id) == col(Partner.id),
        col(PartnerExit.left_on) < start,
        or_(col(PartnerExit.returned_on).is_(None), col(PartnerExit.returned_on) > start),
    )
    active = and_(
        or_(col(Partner.joined_on).is_(None), col(Partner.joined_on) < start),
        ~exited_before_start,
        or_(
            _worked(start_at - inactive_after, start_at),
            col(Partner.joined_on) >= start - inactive_after,  # a newcomer is not judged quiet yet
        ),
    )
    return (
        select(
            col(Partner.id),
            col(Partner.tier).label("tier"),
            func.coalesce(col(Territory.region), "").label("region"),
            _flag(active).label("active"),
            _flag(_exited(ExitKind.PAUSED, start, end)).label("paused"),
            _flag(_exited(ExitKind.REMOVED, start, end)).label("removed"),
            _flag(~_worked(end_at - inactive_after, end_at)).label("quiet"),
        )
        .select_from(Partner)
        .join(Territory, col(Territory.code) == col(Partner.territory_code), isouter=True)
    )


def _worked(since: datetime, until: datetime) -> ColumnElement[bool]:
    """The partner did something in [since, until): registered a deal, opened or worked a lead,
    or closed a deal that earned commission."""
    registered = exists().where(
        col(Registration.partner_id) == col(Partner.id),
        col(Registration.submitted_at) >= since,
        col(Registration.submitted_at) < until,
    )
    worked_leads = exists().where(
        col(LeadEvent.reseller_id) == col(Partner.id),
        col(LeadEvent.kind) != LeadEventKind.SENT,
        col(LeadEvent.occurred_at) >= since,
        col(LeadEvent.occurred_at) < until,
    )
    earned = exists().where(
        col(CommissionLine.partner_id) == col(Partner.id),
        col(CommissionLine.closed_on) >= since.date(),
        col(CommissionLine.closed_on) < until.date(),
    )
    return or_(registered, worked_leads, earned)


def _exited(kind: ExitKind, start: date, end: date) -> ColumnElement[bool]:
    return exists().where(
        col(PartnerExit.partner_id) == col(Partner.id),
        col(PartnerExit.kind) == kind,
        col(PartnerExit.left_on) >= start,
        col(PartnerExit.left_on) < end,
    )


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0).cast(Integer)


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
