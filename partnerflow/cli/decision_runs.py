"""Starting the run that asks people for a decision, from a command that recorded what they decide."""

from __future__ import annotations

import typer

from partnerflow.cli.output import errors
from partnerflow.orchestration.prefect_api import PrefectUnavailable, start_run


def start_decision_run(deployment: str, parameter: str, value: int, *, recorded: str) -> str:
    """The run's id; without a Prefect server, one line saying what ``recorded`` kept and the
    command that starts the run later, and exit code 1 (the record stays: nothing is lost)."""
    try:
        return start_run(deployment, {parameter: value})
    except PrefectUnavailable as unavailable:
        errors.print(
            f"{recorded}, but {unavailable}; then: "
            f"prefect deployment run {deployment} -p {parameter}={value}",
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
