"""``partnerflow leads simulate``: a year's leads replayed under a candidate routing policy
beside the one in force, with the figures and the report; nothing written."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import LeadTurn
from partnerflow.settings import PROJECT_ROOT, Settings
from tests.leads.test_distribution import leads_file, resellers

runner = CliRunner()
SHIPPED = PROJECT_ROOT / "policies" / "lead_routing" / "2026-01-01.yaml"


def test_a_candidate_policy_is_replayed_beside_the_one_in_force(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    resellers(engine, count=3)
    rows = [f"W-{n},Prospect {n},Claire Martin,c{n}@prospect.example,,69,network,web,true" for n in range(30)]
    runner.invoke(app, ["leads", "submit", str(leads_file(tmp_path, *rows))])
    with Session(engine) as session:
        turns_before = session.exec(select(func.count()).select_from(LeadTurn)).one()
    candidate = tmp_path / "lead_routing" / "candidate.yaml"
    candidate.parent.mkdir()
    candidate.write_text(
        SHIPPED.read_text(encoding="utf-8")
        .replace('version: "2026-01-01"', 'version: "candidate"')
        .replace("yearly_floor: 10", "yearly_floor: 12")
        .replace(
            "{registered: 6, silver: 10, gold: 15, platinum: 25}",
            "{registered: 2, silver: 2, gold: 2, platinum: 2}",
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["leads", "simulate", "--policy", str(candidate), "--year", "2026", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    in_force, tried = answer["runs"]
    assert (in_force["policy"], tried["policy"]) == ("2026-01-01", "candidate")
    assert (in_force["offered"], in_force["to_manager"], in_force["spread"]["min"]) == (18, 12, 6)  # 6 each
    assert (tried["offered"], tried["to_manager"], tried["below_floor"]) == (6, 24, 3)  # 2 each: capacity
    assert Path(answer["report"]).read_text(encoding="utf-8").count("<svg") == 1
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(LeadTurn)).one() == turns_before
    wrong = runner.invoke(app, ["leads", "simulate", "--policy", str(SHIPPED), "--year", "2025"])
    assert wrong.exit_code == 2 and "no lead was received in 2025" in wrong.output
