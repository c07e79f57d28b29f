"""``partnerflow commissions``, ``deals reverse`` and the commission plan replay, from the terminal."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.registration.intake import IntakeResult
from partnerflow.settings import PROJECT_ROOT
from tests.commissions.ledger import accrue_all, open_batch, pay, won
from tests.factories import write_policy

runner = CliRunner()
Submit = Callable[..., IntakeResult]


def run_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_statements_show_each_partners_lines_for_the_period(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    deal = won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")
    accrue_all(engine)
    batch = open_batch(engine, "2027-03")
    assert batch.id is not None
    pay(engine, batch.id)
    report = run_json("commissions", "statements", "--period", "2027-03")
    [statement] = report["statements"]
    assert (statement["net"], statement["status"]) == ("7000.00", "paid")
    assert [line["registration_id"] for line in statement["lines"]] == [deal]
    assert report["batch"]["status"] == "paid"


def test_explain_shows_how_a_deals_commission_was_computed(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    deal = won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")
    accrue_all(engine)
    result = runner.invoke(app, ["commissions", "explain", str(deal)])
    assert result.exit_code == 0, result.output
    assert "base rate 7 % on 100000.00" in result.stdout
    assert "commission 7000.00 (rounded to the cent, half up)" in result.stdout


def test_a_badly_written_period_is_refused_with_the_expected_form(engine: Engine) -> None:
    result = runner.invoke(app, ["commissions", "statements", "--period", "2027-13"])
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output


def test_deals_reverse_cancels_an_unsettled_commission(
    engine: Engine, payees: dict[str, int], submit: Submit
) -> None:
    deal = won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")
    accrue_all(engine)
    result = run_json("deals", "reverse", str(deal), "--reason", "customer refunded")
    assert (result["outcome"], result["amount"]) == ("cancelled", "7000.00")


def test_commission_replay_shows_what_each_partner_would_earn_under_a_candidate(
    engine: Engine, payees: dict[str, int], submit: Submit, tmp_path: Path
) -> None:
    won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")
    accrue_all(engine)
    shipped = (PROJECT_ROOT / "policies" / "commission_plan" / "2027-01-01.yaml").read_text("utf-8")
    candidate = write_policy(
        tmp_path,
        shipped.replace("gold: {default: 0.07", "gold: {default: 0.10"),
        "commission_plan",
        "2027-01-01",
    )
    report = run_json(
        "policy", "replay", "commission_plan", "--candidate", str(candidate), "--period", "2027-01"
    )
    [partner] = report["partners"]
    assert (partner["earned"], partner["candidate"], partner["difference"]) == (
        "7000.00",
        "10000.00",
        "3000.00",
    )


def test_commission_replay_leaves_reversed_deals_out(
    engine: Engine, payees: dict[str, int], submit: Submit, tmp_path: Path
) -> None:
    """A refunded deal was priced by the candidate as if it were still won."""
    won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")
    refunded = won(engine, submit, payees["first"], "50000", date(2027, 1, 6), "b")
    accrue_all(engine)
    run_json("deals", "reverse", str(refunded), "--reason", "customer refunded")
    candidate = PROJECT_ROOT / "policies" / "commission_plan" / "2027-01-01.yaml"

    report = run_json(
        "policy", "replay", "commission_plan", "--candidate", str(candidate), "--period", "2027-01"
    )

    [partner] = report["partners"]
    assert (partner["deals"], partner["earned"], partner["candidate"]) == (1, "7000.00", "7000.00")
    assert report["reversed_left_out"] == 1


def test_settle_refuses_a_month_not_over_or_before_the_programme(engine: Engine) -> None:
    """The tests' clock stands at 2026-11-23: November is not over, 2099 has not begun."""
    refused = {
        period: runner.invoke(app, ["commissions", "settle", "--period", period])
        for period in ("2026-11", "2099-12", "9999-12", "1900-01", "0000-01")
    }
    assert all(result.exit_code == 2 for result in refused.values()), refused
    for period in ("2026-11", "2099-12", "9999-12"):
        assert f"period {period} has not ended" in refused[period].output
    for period in ("1900-01", "0000-01"):
        assert "before 2000" in refused[period].output
