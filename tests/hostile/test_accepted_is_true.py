"""Accepted means true: an input is refused with its reason, or stored exactly as meant (#27).

``test_cli_corpus`` proves the error boundary (no traceback, no half-write); this corpus counts
*wrong acceptances*: inputs that went in and were stored or acted on as something else than what
they meant (a USD amount booked as EUR, a month not over settled, a year without leads judged).
Each case names the reason its refusal must give; a case accepted, or refused for another
reason, fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import Registration
from tests.factories import submission

runner = CliRunner()


@dataclass(frozen=True)
class Row:
    """A deal row submitted through ``deals submit``: it must be stored refused, with ``reason``."""

    change: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class Command:
    """A command line: it must exit 1 or 2 with ``reason`` in its output."""

    args: tuple[str, ...]
    reason: str


ROWS: dict[str, Row] = {
    "a deal in USD": Row({"currency": "USD"}, "the programme is priced in EUR: USD is not accepted"),
    "a product line twice": Row({"product_lines": ["network", "network"]}, "listed more than once: network"),
}
COMMANDS: dict[str, Command] = {
    **{
        f"settle {period}": Command(
            ("commissions", "settle", "--period", period), f"period {period} has not ended"
        )
        for period in ("2026-11", "2099-12", "9999-12")
    },
    **{
        f"settle {period}": Command(("commissions", "settle", "--period", period), "before 2000")
        for period in ("1900-01", "0000-01")
    },
    "rebalance 2099": Command(("rebalance", "--year", "2099"), "has not begun"),
    "rebalance the year not over": Command(("rebalance", "--year", "2026"), "is not over"),
    "rebalance a year without leads": Command(
        ("rebalance", "--year", "2025"), "no lead was received in 2025"
    ),
}


@pytest.mark.parametrize("name", list(ROWS))
def test_a_row_is_refused_with_its_reason(
    name: str, engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    case = ROWS[name]
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps([{**submission(network["first"]), **case.change}]), encoding="utf-8")

    result = runner.invoke(app, ["deals", "submit", str(rows), "--no-start-reviews"])

    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        stored = session.exec(select(Registration).order_by(col(Registration.id).desc())).first()
    assert stored is not None and stored.outcome == "refused", f"{name}: accepted as {stored}"
    assert any(case.reason in problem for problem in stored.problems), f"{name}: {stored.problems}"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_command_is_refused_with_its_reason(name: str, engine: Engine) -> None:
    case = COMMANDS[name]

    result = runner.invoke(app, list(case.args))

    assert result.exit_code in (1, 2), f"{name}: accepted: {result.output}"
    assert case.reason in " ".join(result.output.split()), f"{name}: {result.output}"
