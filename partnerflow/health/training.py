"""Training and certification records: imported from the training platform's export, listed
before they lapse. Untrained partners and lapsed certifications are one of the six causes of
attrition the partner-health policy will read.

A file is checked row by row: a bad row is named with its row number and reasons and skipped,
every good row is stored once (the same course completed on the same day by the same partner is
the same record), so importing the same export twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import func
from sqlmodel import Session, col, select

from partnerflow.clock import programme_date
from partnerflow.db import insert_new
from partnerflow.models import Partner, PartnerStatus, TrainingKind, TrainingRecord
from partnerflow.text import MAX_ID, is_clean

LONGEST_VALIDITY = timedelta(days=10 * 366)  # no certification is valid for more than ten years


class TrainingRow(BaseModel):
    """One row of the export: ``partner_id,course,kind,completed_on,expires_on``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    partner_id: int = Field(gt=0, le=MAX_ID)
    course: str = Field(min_length=1, max_length=120)
    kind: Literal["course", "certification"] = "course"
    completed_on: date
    expires_on: date | None = None

    @field_validator("course")
    @classmethod
    def _plain(cls, value: str) -> str:
        if not is_clean(value):
            raise ValueError("contains a control character")
        return value

    @model_validator(mode="after")
    def _dates_make_sense(self) -> TrainingRow:
        if self.completed_on.year < 2000:
            raise ValueError(f"completed_on {self.completed_on} is before 2000")
        if self.expires_on is not None and not (
            self.completed_on < self.expires_on <= self.completed_on + LONGEST_VALIDITY
        ):
            raise ValueError(f"expires_on {self.expires_on} must be after completed_on and within ten years")
        return self


@dataclass
class TrainingImport:
    added: int = 0
    already_known: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # row number, reasons


@dataclass(frozen=True)
class Expiring:
    partner_id: int
    partner_name: str
    course: str
    expires_on: date


def import_training(session: Session, rows: list[dict[str, Any]], *, now: datetime) -> TrainingImport:
    """Store each valid row once; refuse the others with their row number and reasons."""
    report = TrainingImport()
    today = programme_date(now)
    known = set(session.exec(select(Partner.id)).all())
    valid: list[dict[str, Any]] = []
    for number, raw in enumerate(rows, start=1):
        problem = _problem(raw, known, today)
        if isinstance(problem, str):
            report.refused.append((number, problem))
            continue
        valid.append({**problem.model_dump(), "kind": TrainingKind(problem.kind), "recorded_at": now})
    if valid:
        table = TrainingRecord.__table__  # type: ignore[attr-defined]  # Core: one multi-row INSERT
        report.added = insert_new(session, table, valid, unique=["partner_id", "course", "completed_on"])
        report.already_known = len(valid) - report.added
    return report


def _problem(raw: dict[str, Any], known: set[int | None], today: date) -> TrainingRow | str:
    try:
        row = TrainingRow.model_validate({key: value or None for key, value in raw.items()})
    except ValidationError as error:
        return "; ".join(_said(item["loc"], item["msg"]) for item in error.errors())
    if row.partner_id not in known:
        return f"partner_id {row.partner_id} is not a partner of the programme"
    if row.completed_on > today:
        return f"completed_on {row.completed_on} is in the future"
    return row


def _said(location: tuple[int | str, ...], message: str) -> str:
    field = ".".join(str(part) for part in location)
    message = message.removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


def expiring(session: Session, *, today: date, within: timedelta) -> list[Expiring]:
    """Certifications of active partners whose latest renewal lapses within ``within`` (or has
    lapsed), soonest first; computed by the database."""
    latest = (
        select(
            col(TrainingRecord.partner_id).label("partner_id"),
            col(TrainingRecord.course).label("course"),
            func.max(TrainingRecord.expires_on).label("expires_on"),
        )
        .where(TrainingRecord.kind == TrainingKind.CERTIFICATION)
        .group_by(col(TrainingRecord.partner_id), col(TrainingRecord.course))
        .subquery()
    )
    rows = session.execute(
        select(latest.c.partner_id, Partner.name, latest.c.course, latest.c.expires_on)
        .join(Partner, col(Partner.id) == latest.c.partner_id)
        .where(Partner.status == PartnerStatus.ACTIVE)
        .where(latest.c.expires_on <= today + within)
        .order_by(latest.c.expires_on, latest.c.partner_id)
    ).all()
    return [Expiring(partner_id, name, course, expires_on) for partner_id, name, course, expires_on in rows]


def training_of(session: Session, partner_id: int) -> list[TrainingRecord]:
    """The partner's courses and certifications, latest completed first (the portal's list)."""
    query = select(TrainingRecord).where(TrainingRecord.partner_id == partner_id)
    return list(session.exec(query.order_by(col(TrainingRecord.completed_on).desc(), col(TrainingRecord.id))))
