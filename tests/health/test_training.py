"""Training records: imported row by row (bad rows named and skipped, the same file twice adds
nothing), certifications lapsing soon listed from their latest renewal."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.health import expiring, import_training
from partnerflow.models import PartnerStatus, TrainingRecord
from tests.factories import add_partner

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture
def partners(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        azur = add_partner(session, name="Azur SAS", email="a@azur.example")
        boreal = add_partner(session, name="Boreal SARL", email="b@boreal.example")
        boreal.status = PartnerStatus.PAUSED
        session.add(boreal)
        session.commit()
        return {"azur": azur.id or 0, "boreal": boreal.id or 0}


def records(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(TrainingRecord)).one()


def test_good_rows_are_stored_once_and_bad_rows_named(engine: Engine, partners: dict[str, int]) -> None:
    azur = partners["azur"]
    rows = [
        {"partner_id": azur, "course": "Switching 101", "kind": "course", "completed_on": "2026-03-02"},
        {
            "partner_id": azur,
            "course": "Wi-Fi expert",
            "kind": "certification",
            "completed_on": "2025-12-01",
            "expires_on": "2026-12-20",
        },
        {"partner_id": 999, "course": "Switching 101", "completed_on": "2026-03-02"},
        {"partner_id": azur, "course": "Future", "completed_on": "2027-01-01"},
        {"partner_id": azur, "course": "Backwards", "completed_on": "2026-01-01", "expires_on": "2025-01-01"},
        {"partner_id": azur, "course": "Bell\x07", "completed_on": "2026-01-01"},
        {"partner_id": azur, "course": "x" * 500, "completed_on": "2026-01-01"},
        {"partner_id": azur, "course": "Odd kind", "kind": "diploma", "completed_on": "2026-01-01"},
    ]
    with Session(engine) as session:
        first = import_training(session, rows, now=NOW)
        session.commit()
    with Session(engine) as session:
        again = import_training(session, rows, now=NOW)
        session.commit()
    assert (first.added, first.already_known, [n for n, _ in first.refused]) == (2, 0, [3, 4, 5, 6, 7, 8])
    assert dict(first.refused)[3] == "partner_id 999 is not a partner of the programme"
    assert dict(first.refused)[4] == "completed_on 2027-01-01 is in the future"
    assert dict(first.refused)[5] == "expires_on 2025-01-01 must be after completed_on and within ten years"
    assert (again.added, again.already_known) == (0, 2) and records(engine) == 2


@pytest.mark.postgres
def test_the_same_file_twice_counts_right_on_postgresql(postgres_engine: Engine) -> None:
    """psycopg reports no row count for a batch: the count is of the rows PostgreSQL returns."""
    with Session(postgres_engine) as session:
        azur = add_partner(session, name="Azur SAS", email="a@azur.example").id
        session.commit()
    rows = [
        {"partner_id": azur, "course": "Switching 101", "completed_on": "2026-03-02"},
        {"partner_id": azur, "course": "Wi-Fi 101", "completed_on": "2026-03-03"},
    ]
    counts = []
    for _twice in range(2):
        with Session(postgres_engine) as session:
            imported = import_training(session, rows, now=NOW)
            session.commit()
        counts.append((imported.added, imported.already_known))
    assert counts == [(2, 0), (0, 2)]


def test_lapsing_certifications_of_active_partners_from_their_latest_renewal(
    engine: Engine, partners: dict[str, int]
) -> None:
    azur, boreal = partners["azur"], partners["boreal"]
    rows = [
        {
            "partner_id": azur,
            "course": "Wi-Fi expert",
            "kind": "certification",
            "completed_on": "2025-12-01",
            "expires_on": "2026-12-20",
        },
        {
            "partner_id": azur,
            "course": "Security pro",
            "kind": "certification",
            "completed_on": "2024-01-10",
            "expires_on": "2026-01-10",
        },
        {
            "partner_id": azur,
            "course": "Security pro",
            "kind": "certification",
            "completed_on": "2026-01-05",
            "expires_on": "2028-01-05",
        },
        {
            "partner_id": boreal,
            "course": "Wi-Fi expert",
            "kind": "certification",
            "completed_on": "2025-12-01",
            "expires_on": "2026-12-10",
        },
    ]
    with Session(engine) as session:
        import_training(session, rows, now=NOW)
        session.commit()
        soon = expiring(session, today=date(2026, 11, 30), within=timedelta(days=60))
    assert [(item.partner_id, item.course, item.expires_on) for item in soon] == [
        (azur, "Wi-Fi expert", date(2026, 12, 20))
    ], "renewed Security pro and the paused partner are not listed"


def test_the_commands(engine: Engine, partners: dict[str, int], tmp_path: Path) -> None:
    path = tmp_path / "training.csv"
    path.write_text(
        "partner_id,course,kind,completed_on,expires_on\n"
        f"{partners['azur']},Wi-Fi expert,certification,2025-12-01,2030-12-31\n"
        f"{partners['azur']},Switching 101,course,not a date,\n",
        encoding="utf-8",
    )
    imported = runner.invoke(app, ["training", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "row 2: completed_on" in imported.stderr and "1 record(s) added" in imported.stdout
    listed = runner.invoke(app, ["training", "expiring", "--within-days", "3660", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [item["course"] for item in json.loads(listed.stdout)] == ["Wi-Fi expert"]
