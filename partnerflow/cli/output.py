"""Console output shared by the commands: rich tables for people, JSON for scripts."""

from __future__ import annotations

import functools
import json
import os
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError
from typer.exceptions import TyperException

from partnerflow.policy import PolicyError
from partnerflow.settings import SettingsProblem
from partnerflow.text import MAX_ID

RecordId = Annotated[int, typer.Argument(min=1, max=MAX_ID, help="The record's number")]
"""A registration, campaign or batch number as typed: refused by the parser outside the range."""

PIPED_WIDTH = 200


def _stdout_console() -> Console:
    """In a terminal, the terminal's width; piped or redirected, wide enough that a table keeps
    its columns (rich would wrap every table at 80 columns in a pipe or a CI log)."""
    probe = Console()
    return probe if probe.is_terminal else Console(width=PIPED_WIDTH)


console = _stdout_console()
errors = Console(stderr=True, soft_wrap=True)  # one line per error, even in a pipe

P = ParamSpec("P")
R = TypeVar("R")


def print_json(value: Any) -> None:
    """One JSON document on stdout (no colours, no wrapping)."""
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))  # noqa: T201


class InputProblem(Exception):
    """Something wrong with what the user gave (a file, a value): one line each, exit code 2."""

    def __init__(self, *problems: str) -> None:
        super().__init__(*problems)
        self.problems = problems


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """The command line's error boundary: never a traceback as the interface.

    A problem the user can fix is one clear line (exit 2 for their input, 1 for the system); an
    unexpected error is one line naming the log file that keeps its traceback (exit 1).
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, TyperException, KeyboardInterrupt):  # typer's own answers
            raise
        except InputProblem as error:
            for line in error.problems:
                errors.print(line, markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except SettingsProblem as error:
            for setting in error.problems:
                errors.print(f"settings: {setting}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except PolicyError as error:
            for problem in error.problems:
                errors.print(str(problem), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except OperationalError as error:
            errors.print(f"[red]database unavailable:[/red] {error.orig}")
            errors.print("Check PARTNERFLOW_DATABASE_URL and run `partnerflow init`.")
            raise typer.Exit(1) from None
        except Exception as error:  # the boundary: anything else is logged, not shown raw
            log = log_unexpected(error)
            summary = (str(error).splitlines() or [""])[0][:200]
            errors.print(
                f"unexpected error ({type(error).__name__}: {summary}); the details are in {log}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(1) from None

    return wrapper


def log_unexpected(error: BaseException) -> Path:
    """Append the traceback to ``<log_dir>/errors.log``; returns the file."""
    from partnerflow.settings import get_settings

    folder = get_settings().log_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "errors.log"
    with path.open("a", encoding="utf-8") as log:
        log.write(f"--- {datetime.now(UTC).isoformat(timespec='seconds')} pid {os.getpid()}\n")
        log.write("".join(traceback.format_exception(error)))
    return path
