"""Watching what ``partnerflow up`` started: the first part to stop ends ``up``, said in one line.

``up`` is a small supervisor: the Prefect server and the deployment runner are child processes,
the SMTP sink a thread. Measured before this existed: a Prefect server killed under ``up`` left
``up`` alive, serving nothing and ignoring Ctrl-C while its client retried a dead server.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from partnerflow.orchestration.local_server import LocalServer, is_healthy

POLL_SECONDS = 0.5
UNHEALTHY_PROBES = 3  # a server we only reuse is "stopped" after this many failed probes in a row


@dataclass(frozen=True)
class Watched:
    """A part of the running system and how to tell that it stopped (its exit code, or None)."""

    name: str
    exit_code: Callable[[], int | None]


def watch_server(server: LocalServer) -> Watched:
    """The server's exit code if we started it; otherwise its health, probed."""
    if server.process is not None:
        return Watched("the Prefect server", server.exit_code)
    failures = 0

    def probe() -> int | None:
        nonlocal failures
        failures = 0 if is_healthy(server.api_url) else failures + 1
        return 1 if failures >= UNHEALTHY_PROBES else None

    return Watched(f"the Prefect server at {server.api_url}", probe)


def wait_for_first_exit(parts: list[Watched]) -> tuple[Watched, int] | None:
    """Block until a part stops (returned with its exit code) or Ctrl-C arrives (None)."""
    try:
        while True:
            for part in parts:
                code = part.exit_code()
                if code is not None:
                    return part, code
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        return None


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """``kill`` (SIGTERM) stops ``up`` as cleanly as Ctrl-C: the children are stopped too.

    SIGINT is handled explicitly as well: a process started with SIGINT ignored (a background job
    of a non-interactive shell, some process supervisors, a test harness) inherits that, and ``up``
    would then never stop on Ctrl-C and leave its server and runner behind (seen in CI).
    """

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, interrupt) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
