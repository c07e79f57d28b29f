"""What a person sees while a step takes its time: in a terminal, a spinner with the step and
the seconds so far; in any case, once the step took longer than ``SHOWN_AFTER`` seconds, one
line saying how long (so a log of ``make demo`` or a piped command shows where the time went,
and nobody stares at a silent screen for 40 seconds wondering whether it hangs)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from partnerflow.cli.output import errors

SHOWN_AFTER = 2.0  # seconds: quicker steps pass without a word


class Step:
    """A running step: ``note`` changes what the spinner says (a run's state, rows so far)."""

    def __init__(self, what: str, shown: Console) -> None:
        self.what, self.detail = what, ""
        self.started = time.monotonic()
        self.status = shown.status(what) if shown.is_terminal else None

    def note(self, detail: str) -> None:
        self.detail = detail
        if self.status is not None:
            elapsed = time.monotonic() - self.started
            self.status.update(f"{self.what}: {detail} ({elapsed:.0f} s)")

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


@contextmanager
def step(what: str, *, shown: Console = errors) -> Iterator[Step]:
    """Run a step under a spinner (terminal only); say how long it took when it was long. On
    stderr by default, so that a command's ``--json`` output stays one document."""
    current = Step(what, shown)
    if current.status is not None:
        current.status.start()
    try:
        yield current
    finally:
        if current.status is not None:
            current.status.stop()
        if current.seconds >= SHOWN_AFTER:
            detail = f" ({current.detail})" if current.detail else ""
            shown.print(
                f"  {what}{detail}: {current.seconds:.1f} s", style="dim", markup=False, highlight=False
            )
