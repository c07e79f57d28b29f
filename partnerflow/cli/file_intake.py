"""``deals submit FILE``: a file of any size taken in by chunks, each row answered.

Chunks of ``CHUNK`` rows go through the bulk intake (one savepoint each, committed one by one,
so an interruption keeps every chunk already taken). A chunk that fails unexpectedly is taken
again row by row, each row in its own transaction: the row at fault is named with the log that
holds its traceback, and the others are decided. Progress goes to stderr while the file runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from partnerflow.cli.output import errors, log_unexpected
from partnerflow.clock import programme_date
from partnerflow.context import Context
from partnerflow.db import session_scope
from partnerflow.policy import PolicyError
from partnerflow.registration.bulk import take_in_many
from partnerflow.registration.intake import IntakeResult, take_in

CHUNK = 1000
PLAIN_PROGRESS_EVERY = 10_000  # rows between two progress lines when stderr is not a terminal


@dataclass
class FileIntake:
    """What became of each row: its result (row number -> result) or why it was not recorded."""

    results: dict[int, IntakeResult] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False  # Ctrl-C: the chunks before it are committed, the rest untouched

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for result in self.results.values():
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        return dict(sorted(counts.items()))


def take_in_file(path: Path, rows: list[dict[str, Any]], ctx: Context) -> FileIntake:
    """Take in every row of ``path`` in order (see the module)."""
    intake = FileIntake()
    start = time.perf_counter()
    policy = ctx.policy("deal_registration", ctx.clock.today())
    decide = policy.memoized()
    with ProgressReport(len(rows)) as advance, _stops_on_interrupt(intake):
        for first in range(0, len(rows), CHUNK):
            chunk = rows[first : first + CHUNK]
            now = ctx.clock.now()
            try:
                with session_scope() as session:
                    taken = take_in_many(
                        session, chunk, policy=policy, renderer=ctx.renderer, now=now, decide=decide
                    )
                intake.results.update(enumerate(taken, start=first + 1))
            except PolicyError:
                raise
            except Exception:  # isolate the row at fault, below
                _row_by_row(path, chunk, first, intake, ctx)
            intake.seconds = time.perf_counter() - start
            advance(len(chunk), intake.seconds)
    return intake


@contextmanager
def _stops_on_interrupt(intake: FileIntake) -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt:
        intake.interrupted = True


def _row_by_row(
    path: Path,
    chunk: list[dict[str, Any]],
    first: int,
    intake: FileIntake,
    ctx: Context,
) -> None:
    for number, raw in enumerate(chunk, start=first + 1):
        now = ctx.clock.now()
        try:
            with session_scope() as session:
                policy = ctx.policy("deal_registration", programme_date(now))
                intake.results[number] = take_in(session, raw, policy=policy, renderer=ctx.renderer, now=now)
        except PolicyError:
            raise
        except Exception as error:  # one row's fault is that row's answer
            intake.failed.append(
                f"{path}: row {number}: not recorded: {type(error).__name__}; see {log_unexpected(error)}"
            )


class ProgressReport:
    """A bar on a terminal; elsewhere (CI, a pipe) a line every ``PLAIN_PROGRESS_EVERY`` rows."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.said = total, 0, 0
        self.bar: Progress | None = None
        if errors.is_terminal and total > CHUNK:
            self.bar = Progress(
                TextColumn("taking in"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("rows"),
                TimeRemainingColumn(),
                console=errors,
                transient=True,
            )
            self.task = self.bar.add_task("rows", total=total)

    def __enter__(self) -> ProgressReport:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, rows: int, seconds: float) -> None:
        self.done += rows
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done)
        elif self.done - self.said >= PLAIN_PROGRESS_EVERY and self.done < self.total:
            self.said = self.done
            errors.print(f"taken in {self.done:,} of {self.total:,} rows ({self.done / seconds:,.0f} rows/s)")
