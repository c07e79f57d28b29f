"""Console output shared by the commands: rich tables for people, JSON for scripts."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError

from partnerflow.policy import PolicyError

console = Console()
errors = Console(stderr=True, soft_wrap=True)  # one line per error, even in a pipe

P = ParamSpec("P")
R = TypeVar("R")


def print_json(value: Any) -> None:
    """One JSON document on stdout (no colours, no wrapping)."""
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))  # noqa: T201


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors a user can fix into one clear message and exit code 1, not a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except PolicyError as error:
            for problem in error.problems:
                errors.print(str(problem), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except OperationalError as error:
            errors.print(f"[red]database unavailable:[/red] {error.orig}")
            errors.print("Check PARTNERFLOW_DATABASE_URL and run `partnerflow init`.")
            raise typer.Exit(1) from None

    return wrapper
