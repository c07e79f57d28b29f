"""What people read: the report files, ``partnerflow rebalance`` and the quarterly scorecards."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import Notification, Proposal
from partnerflow.rebalancing.notices import queue_quarter_scorecards, targets
from partnerflow.rebalancing.proposals import plan_rebalancing
from partnerflow.rebalancing.report import write_report
from tests.factories import RENDERER
from tests.rebalancing.leadbook import POLICY_2026, add_reseller, give_leads

runner = CliRunner()


def test_the_report_lists_every_reseller_in_csv_and_html(engine: Engine, tmp_path: Path) -> None:
    reseller = add_reseller(engine, name="Réseaux <Test> SAS")
    give_leads(engine, reseller, leads=10, opened=9, processed=8, closed=5, sold=2)
    with Session(engine) as session:
        plan = plan_rebalancing(session, 2026, POLICY_2026)
    page = write_report(tmp_path, plan, targets(POLICY_2026.document), "2026-12-01")
    [row] = csv.DictReader(io.StringIO((tmp_path / "rebalancing-2026.csv").read_text("utf-8")))
    assert (row["name"], row["leads"], row["open_rate"], row["outcome"]) == (
        "Réseaux <Test> SAS",
        "10",
        "0.9",
        "keep",
    )
    html = page.read_text("utf-8")
    assert "Réseaux &lt;Test&gt; SAS" in html and "<Test>" not in html


def test_rebalance_prints_the_proposals_and_applies_nothing(engine: Engine) -> None:
    reseller = add_reseller(engine)
    give_leads(engine, reseller, leads=4)
    result = runner.invoke(app, ["rebalance", "--year", "2026", "--partial-year", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [(r["partner_id"], r["outcome"], r["rule_id"]) for r in report["resellers"]] == [
        (reseller, "route-more", "too-few-leads")
    ]
    departements = {row["departement"]: row for row in report["departements"]}
    assert len(departements) == 101  # every one, with or without resellers
    assert (departements["69"]["active"], departements["69"]["recommendation"]) == (1, "recruit")
    assert (departements["2A"]["active"], departements["2A"]["recommendation"]) == (0, "recruit")
    with Session(engine) as session:
        assert session.exec(select(Proposal)).all() == []


def test_rebalance_judges_only_a_year_with_leads_and_the_current_one_on_purpose(engine: Engine) -> None:
    give_leads(engine, add_reseller(engine), leads=4)  # received in 2026, the tests' current year
    refused = {
        year: runner.invoke(app, ["rebalance", "--year", year])
        for year in ("2099", "2027", "2026", "2025", "1999")
    }
    assert all(result.exit_code == 2 for result in refused.values()), refused
    assert "has not begun" in refused["2099"].output and "has not begun" in refused["2027"].output
    assert "not over" in refused["2026"].output and "--partial-year" in refused["2026"].output
    assert "no reseller received a lead in 2025" in refused["2025"].output
    assert "greater than or equal to 2000" in refused["1999"].output


def test_rebalance_piped_keeps_each_reseller_on_one_line(engine: Engine) -> None:
    """Piped or redirected (as here), a table keeps its columns: rich wrapped them at 80."""
    name = "Réseaux et Télécommunications du Grand Lyon SAS"
    give_leads(engine, add_reseller(engine, name=name), leads=4)
    result = runner.invoke(app, ["rebalance", "--year", "2026", "--partial-year"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.stdout.splitlines() if "Réseaux et" in line]
    assert name in line and "too-few-leads" in line and "route-more" in line


def test_quarterly_scorecards_cover_the_quarter_so_far_once_per_reseller(engine: Engine) -> None:
    reseller = add_reseller(engine)
    give_leads(engine, reseller, leads=6, opened=6, processed=3)  # received from 1 February
    with Session(engine) as session:
        first = queue_quarter_scorecards(session, date(2026, 3, 25), POLICY_2026.document, RENDERER)
        again = queue_quarter_scorecards(session, date(2026, 3, 25), POLICY_2026.document, RENDERER)
        session.commit()
        [mail] = session.exec(select(Notification)).all()
    assert (first, again) == (1, 0)
    assert mail.subject == "Votre bilan T1 2026 : 6 leads reçus"
    assert "Leads traités : 50 %" in mail.text_body.replace("\u202f", " ").replace("\xa0", " ")
