"""Replaying stored submissions under a candidate policy shows what would change, per partner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.registration.intake import IntakeResult
from tests.factories import deal_policy_version, submission, write_policy

runner = CliRunner()


def stricter_candidate(tmp_path: Path) -> Path:
    text = deal_policy_version("2027-01-01", "2027-01-01").replace(
        "deal.amount <= 25000.0 && partner.tier", "deal.amount <= 5000.0 && partner.tier"
    )
    return write_policy(tmp_path, text, version="2027-01-01")


def test_replay_counts_outcomes_before_and_after_and_lists_changes(
    engine, network: dict[str, int], submit: Callable[..., IntakeResult], tmp_path: Path
) -> None:
    submit(submission(network["first"]))  # 12,000: approved today, reviewed under the candidate
    submit(submission(network["first"], amount="3000", customer_email="x@other.fr"))  # approved in both
    submit(submission(network["second"], amount="-1"))  # refused: never evaluated, not replayed
    result = runner.invoke(
        app,
        [
            "policy",
            "replay",
            "deal_registration",
            "--candidate",
            str(stricter_candidate(tmp_path)),
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["before"] == {"approve": 2} and report["after"] == {"approve": 1, "review": 1}
    [change] = report["changed"]
    assert (change["before"], change["after"], change["after_rule"]) == ("approve", "review", "default")
    assert change["party"].startswith("Azur Réseaux SAS")


def test_replay_outside_the_period_decides_nothing(
    engine, network: dict[str, int], submit: Callable[..., IntakeResult], tmp_path: Path
) -> None:
    submit(submission(network["first"]))
    result = runner.invoke(
        app,
        [
            "policy",
            "replay",
            "deal_registration",
            "--candidate",
            str(stricter_candidate(tmp_path)),
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--json",
        ],
    )
    assert json.loads(result.output)["before"] == {}
