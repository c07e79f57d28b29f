"""Long steps say what they are doing and how long they took; quick ones pass without a word."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from partnerflow.cli import progress
from partnerflow.cli.progress import step


def captured() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=False, width=120), out


def test_a_quick_step_prints_nothing() -> None:
    console, out = captured()
    with step("counting", shown=console):
        pass
    assert out.getvalue() == ""


def test_a_long_step_says_how_long_it_took_and_where_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "SHOWN_AFTER", 0.0)
    console, out = captured()
    with step("waiting for Prefect", shown=console) as waiting:
        waiting.note("registration-13-Acme: Completed")
    assert out.getvalue().startswith("  waiting for Prefect (registration-13-Acme: Completed): 0.")
    assert out.getvalue().rstrip().endswith(" s")


def test_a_step_that_fails_still_says_how_long_it_took(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "SHOWN_AFTER", 0.0)
    console, out = captured()
    with pytest.raises(RuntimeError), step("starting the Prefect server", shown=console):
        raise RuntimeError("port in use")
    assert "starting the Prefect server: " in out.getvalue()
