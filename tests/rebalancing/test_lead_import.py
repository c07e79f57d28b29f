"""``partnerflow leads import``: row by row validation, idempotent, nothing half-imported."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.leads.history_import import COLUMNS, LeadFileError, import_lead_file
from partnerflow.leads.kpis import reseller_kpis
from partnerflow.models import Lead, LeadEvent, Territory
from tests.factories import NOW
from tests.rebalancing.leadbook import add_reseller

runner = CliRunner()
RECEIVED = "2026-03-02T09:14:00+01:00"


def write(tmp_path: Path, rows: list[str], header: str = ",".join(COLUMNS)) -> Path:
    path = tmp_path / "leads.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def good_rows(reseller: int) -> list[str]:
    return [
        f"L-1,69,{reseller},{RECEIVED},E-1,sent,,{RECEIVED}",
        f"L-1,69,{reseller},{RECEIVED},E-2,opened,,2026-03-02T11:40:00+01:00",
        f"L-1,69,{reseller},{RECEIVED},E-3,status,sold,2026-04-18T16:05:00+02:00",
        f"L-2,69,{reseller},2026-05-01T08:00:00,E-4,sent,,2026-05-01T08:00:00",
    ]


def counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(Lead)).one(),
            session.exec(select(func.count()).select_from(LeadEvent)).one(),
        )


def run_import(engine: Engine, path: Path):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        report = import_lead_file(session, path, now=NOW)
        session.commit()
    return report


def test_importing_the_same_file_twice_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, good_rows(add_reseller(engine)))
    first, second = run_import(engine, path), run_import(engine, path)
    assert (first.leads_added, first.events_added) == (2, 4)
    assert (second.leads_added, second.events_added, second.already_known) == (0, 0, 4)
    assert counts(engine) == (2, 4)


def test_bad_rows_are_reported_with_their_line_and_reason_and_the_rest_imported(
    engine: Engine, tmp_path: Path
) -> None:
    reseller = add_reseller(engine)
    add_reseller(engine, "13")
    rows = [
        *good_rows(reseller),
        f"L-3,99,{reseller},{RECEIVED},E-5,sent,,{RECEIVED}",
        f"L-4,69,999999,{RECEIVED},E-6,sent,,{RECEIVED}",
        f"L-5,69,{reseller},{RECEIVED},E-7,clicked,,{RECEIVED}",
        f"L-6,69,{reseller},{RECEIVED},E-8,status,won,{RECEIVED}",
        f"L-7,69,{reseller},yesterday,E-9,sent,,{RECEIVED}",
        f"L-8,69,{reseller},{RECEIVED},E-10,opened,,2026-01-01T00:00:00+00:00",
        f"L-1,13,{reseller},{RECEIVED},E-11,opened,,{RECEIVED}",
    ]
    report = run_import(engine, write(tmp_path, rows))
    reasons = dict(report.rejected)
    assert sorted(reasons) == [6, 7, 8, 9, 10, 11, 12]
    assert (
        "département '99' is not a French département (INSEE code: 01 to 95, 2A, 2B, 971 to 976)"
        in reasons[6]
    )
    assert "reseller 999999 does not exist" in reasons[7]
    assert "event 'clicked'" in reasons[8]
    assert "status 'won'" in reasons[9]
    assert "received_at 'yesterday'" in reasons[10]
    assert "before the lead's received_at" in reasons[11]
    assert "another département" in reasons[12]
    assert counts(engine) == (2, 4)


def test_a_lead_passed_on_to_another_reseller_counts_for_each_turn(engine: Engine, tmp_path: Path) -> None:
    first, second = add_reseller(engine), add_reseller(engine)
    rows = [
        f"L-1,69,{first},{RECEIVED},E-1,sent,,{RECEIVED}",
        f"L-1,69,{second},2026-03-05T09:00:00+01:00,E-2,sent,,2026-03-05T09:00:00+01:00",
        f"L-1,69,{second},2026-03-05T09:00:00+01:00,E-3,opened,,2026-03-05T10:00:00+01:00",
        f"L-1,69,{second},2026-03-05T09:00:00+01:00,E-4,status,sold,2026-03-20T10:00:00+01:00",
        f"L-1,69,{second},2026-03-06T09:00:00+01:00,E-5,opened,,2026-03-06T10:00:00+01:00",
    ]
    report = run_import(engine, write(tmp_path, rows))
    assert [line for line, _ in report.rejected] == [6]
    assert f"imported for reseller {second} with another reception time" in report.rejected[0][1]
    assert (report.leads_added, report.events_added) == (1, 4)
    with Session(engine) as session:
        kpis = {k.partner_id: k for k in reseller_kpis(session, date(2026, 1, 1), date(2027, 1, 1))}
    assert (kpis[first].leads, kpis[first].opened, kpis[first].sold) == (1, 0, 0)
    assert (kpis[second].leads, kpis[second].opened, kpis[second].sold) == (1, 1, 1)


def test_an_event_id_reused_for_another_event_is_refused_not_dropped_as_known(
    engine: Engine, tmp_path: Path
) -> None:
    reseller = add_reseller(engine)
    run_import(engine, write(tmp_path, good_rows(reseller)))
    rows = [
        f"L-9,69,{reseller},{RECEIVED},E-1,sent,,{RECEIVED}",  # E-1 is L-1's, stored before
        f"L-9,69,{reseller},{RECEIVED},E-20,sent,,{RECEIVED}",
        f"L-9,69,{reseller},{RECEIVED},E-20,opened,,2026-03-03T10:00:00+01:00",  # E-20 twice in the file
        f"L-10,69,{reseller},9999-12-31T23:59:59-14:00,E-21,sent,,9999-12-31T23:59:59-14:00",
        f"L-11,69,{reseller},0001-01-01T00:00:00+14:00,E-22,sent,,0001-01-01T00:00:00+14:00",
    ]
    report = run_import(engine, write(tmp_path, rows))
    reasons = dict(report.rejected)
    assert sorted(reasons) == [2, 4, 5, 6]
    assert "event_id E-1 was already used for another event (lead L-1)" in reasons[2]
    assert "event_id E-20 was already used" in reasons[4]
    assert "is in the future" in reasons[5] and "is before 2000" in reasons[6]
    assert (report.leads_added, report.events_added) == (1, 1)


def test_a_file_without_the_expected_columns_imports_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, ["L-1,69,1"], header="lead_id,departement,reseller")
    with pytest.raises(LeadFileError, match="missing column"):
        run_import(engine, path)
    assert counts(engine) == (0, 0)


def test_the_command_prints_counts_and_each_rejected_row(engine: Engine, tmp_path: Path) -> None:
    reseller = add_reseller(engine)
    path = write(tmp_path, [*good_rows(reseller), f"L-9,99,{reseller},{RECEIVED},E-12,sent,,{RECEIVED}"])
    result = runner.invoke(app, ["leads", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["leads_added"], report["events_added"]) == (2, 4)
    [rejected] = report["rejected"]
    assert rejected["line"] == 6 and rejected["reason"].startswith(
        "département '99' is not a French département"
    )


def test_a_lead_is_sold_or_lost_not_both_nor_in_the_future_and_any_real_departement_counts(
    engine: Engine, tmp_path: Path
) -> None:
    """Measured before: a sale dated 2099, a lead both sold and lost, and département 01 (no
    partner there) refused as unknown."""
    reseller = add_reseller(engine)
    run_import(engine, write(tmp_path, good_rows(reseller)))  # L-1 sold
    rows = [
        f"L-1,69,{reseller},{RECEIVED},E-30,status,lost,2026-05-02T10:00:00+02:00",
        f"L-5,69,{reseller},{RECEIVED},E-31,status,sold,2099-01-01T10:00:00+01:00",
        f"L-6,01,{reseller},{RECEIVED},E-32,sent,,{RECEIVED}",
        f"L-6,01,{reseller},{RECEIVED},E-33,status,lost,2026-04-01T10:00:00+02:00",
        f"L-6,01,{reseller},{RECEIVED},E-34,status,sold,2026-04-02T10:00:00+02:00",
    ]
    report = run_import(engine, write(tmp_path, rows))
    reasons = dict(report.rejected)
    assert sorted(reasons) == [2, 3, 6]
    assert reasons[2] == "lead L-1 is sold already for reseller 1: it cannot also be lost"
    assert "occurred_at '2099-01-01T10:00:00+01:00' is in the future" in reasons[3]
    assert reasons[6] == "lead L-6 is lost already for reseller 1: it cannot also be sold"
    with Session(engine) as session:
        ain = session.get(Territory, "01")
    assert ain is not None and (ain.name, ain.region) == ("Ain", "Auvergne-Rhône-Alpes")


def test_the_command_refuses_a_malformed_file_with_one_clear_line(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, [], header="id,when")
    result = runner.invoke(app, ["leads", "import", str(path)])
    assert result.exit_code == 1
    assert "nothing imported" in result.output and "missing column" in result.output
