"""Attrition is measured by the database: active at the start of a period, left during it
(paused, removed, or gone quiet), per quarter and year, per tier and région."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.health import AttritionPeriod, attrition_trend
from partnerflow.models import (
    ExitKind,
    ExitSource,
    PartnerExit,
    PartnerTier,
    Registration,
    RegistrationStatus,
    Territory,
)
from tests.factories import WRITTEN_AT, add_partner

QUIET_AFTER = timedelta(days=90)


def registered(session: Session, partner_id: int, *days: str) -> None:
    for day in days:
        session.add(
            Registration(
                partner_id=partner_id,
                status=RegistrationStatus.APPROVED,
                customer_name="Client",
                submitted_at=datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC),
            )
        )


def partner(session: Session, name: str, tier: PartnerTier, territory: str, joined: str) -> int:
    added = add_partner(session, name=name, territory=territory, email=f"{name.lower()}@p.example")
    added.tier, added.joined_on = tier, date.fromisoformat(joined)
    session.add(added)
    session.flush()
    assert added.id is not None
    return added.id


def left(session: Session, partner_id: int, kind: ExitKind, day: str) -> None:
    source = ExitSource.REBALANCING if kind is ExitKind.PAUSED else ExitSource.CHANNEL_MANAGER
    session.add(
        PartnerExit(
            recorded_at=WRITTEN_AT,
            partner_id=partner_id,
            left_on=date.fromisoformat(day),
            kind=kind,
            source=source,
        )
    )


@pytest.fixture
def year_2026(engine: Engine) -> Engine:
    return seed_2026(engine)


def seed_2026(engine: Engine) -> Engine:
    """A always works; B is paused in May; C is removed in August; D goes quiet after January;
    E joins in September and never does anything."""
    with Session(engine) as session:
        a = partner(session, "A", PartnerTier.GOLD, "69", "2025-01-01")
        b = partner(session, "B", PartnerTier.SILVER, "69", "2025-01-01")
        c = partner(session, "C", PartnerTier.GOLD, "75", "2025-01-01")
        d = partner(session, "D", PartnerTier.SILVER, "75", "2025-01-01")
        partner(session, "E", PartnerTier.SILVER, "75", "2026-09-01")
        registered(session, a, "2025-12-15", "2026-02-15", "2026-05-15", "2026-08-15", "2026-11-15")
        registered(session, b, "2025-12-15", "2026-03-01")
        registered(session, c, "2025-12-15", "2026-02-15", "2026-05-15")
        registered(session, d, "2025-12-15", "2026-01-15")
        left(session, b, ExitKind.PAUSED, "2026-05-10")
        left(session, c, ExitKind.REMOVED, "2026-08-01")
        session.get(Territory, "69").region = "Auvergne-Rhône-Alpes"  # type: ignore[union-attr]
        session.get(Territory, "75").region = "Île-de-France"  # type: ignore[union-attr]
        session.commit()
    return engine


def summary(periods: list[AttritionPeriod]) -> dict[str, dict[str, tuple[int, int, float]]]:
    return {
        period.label: {row.group: (row.active_at_start, row.left, round(row.rate, 2)) for row in period.rows}
        for period in periods
    }


def test_each_quarter_and_the_year(year_2026: Engine) -> None:
    with Session(year_2026) as session:
        trend = summary(attrition_trend(session, 2026, inactive_after=QUIET_AFTER))
    assert trend == {
        "2026-Q1": {"all": (4, 0, 0.0)},
        "2026-Q2": {"all": (4, 2, 0.5)},  # B paused, D quiet since January
        "2026-Q3": {"all": (2, 1, 0.5)},  # C removed
        "2026-Q4": {"all": (2, 1, 0.5)},  # E joined, never active
        "2026": {"all": (4, 3, 0.75)},  # B, C, D of the four active on 1 January
    }


def test_leaving_is_counted_by_kind(year_2026: Engine) -> None:
    with Session(year_2026) as session:
        year = attrition_trend(session, 2026, inactive_after=QUIET_AFTER)[-1]
    [everyone] = year.rows
    assert (everyone.paused, everyone.removed, everyone.inactive) == (1, 1, 1)


def test_by_tier_and_by_region(year_2026: Engine) -> None:
    with Session(year_2026) as session:
        by_tier = summary(attrition_trend(session, 2026, inactive_after=QUIET_AFTER, by="tier"))
        by_region = summary(attrition_trend(session, 2026, inactive_after=QUIET_AFTER, by="region"))
    assert by_tier["2026-Q2"] == {"gold": (2, 0, 0.0), "silver": (2, 2, 1.0)}
    assert by_region["2026"] == {"Auvergne-Rhône-Alpes": (2, 1, 0.5), "Île-de-France": (2, 2, 1.0)}


def test_on_postgresql_too(postgres_engine: Engine) -> None:
    seed_2026(postgres_engine)
    with Session(postgres_engine) as session:
        trend = summary(attrition_trend(session, 2026, inactive_after=QUIET_AFTER))
    assert trend["2026"] == {"all": (4, 3, 0.75)} and trend["2026-Q2"] == {"all": (4, 2, 0.5)}


def test_the_command_prints_the_trend(year_2026: Engine) -> None:
    import json

    from typer.testing import CliRunner

    from partnerflow.cli import app

    result = CliRunner().invoke(
        app, ["health", "attrition", "--year", "2026", "--inactive-days", "90", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = {(row["period"], row["group"]): row for row in json.loads(result.output)}
    assert rows[("2026", "all")]["rate"] == 0.75 and rows[("2026-Q2", "all")]["left"] == 2
    table = CliRunner().invoke(app, ["health", "attrition", "--year", "2026", "--by", "region"])
    assert table.exit_code == 0 and "Île-de" in table.output
