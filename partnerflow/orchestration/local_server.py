"""Starting (or reusing) a local Prefect server as a child process, and waiting until it answers.

This module only runs the ``prefect`` command and polls HTTP; it does not import Prefect, so the
core stays importable without it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

HEALTH_TIMEOUT_SECONDS = 90.0


def is_healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_until_healthy(
    api_url: str,
    process: subprocess.Popen[bytes] | None = None,
    timeout: float = HEALTH_TIMEOUT_SECONDS,
) -> None:
    """Block until ``api_url``/health answers 200; raise if the server dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_healthy(api_url):
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with code {process.returncode}; see its log")
        time.sleep(0.5)
    raise TimeoutError(f"the Prefect server at {api_url} did not answer within {timeout:.0f} s")


@dataclass(frozen=True)
class LocalServer:
    """A Prefect server a command uses: its API URL, its log, and its process when we started it."""

    api_url: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def exit_code(self) -> int | None:
        """The exit code once the server we started has stopped; None while it runs (or if reused)."""
        return None if self.process is None else self.process.poll()


@contextmanager
def local_prefect_server(home: Path, host: str = "127.0.0.1", port: int = 4200) -> Iterator[LocalServer]:
    """Yield a Prefect server on ``host:port``, starting one if none answers.

    A server this function started is stopped on exit; one that was already running is left
    alone. The server's own SQLite database and log live under ``home``.
    """
    api_url = f"http://{host}:{port}/api"
    log_path = home / "server.log"
    if is_healthy(api_url):
        yield LocalServer(api_url, log_path)
        return
    home.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_URL": api_url,
    }
    command = [
        sys.executable,
        "-m",
        "prefect",
        "server",
        "start",
        "--host",
        host,
        "--port",
        str(port),
    ]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_healthy(api_url, process)
        yield LocalServer(api_url, log_path, process)
    finally:
        stop_process_group(process)


@dataclass(frozen=True)
class Stopping:
    """How to stop one child: its first signal, to the leader only or its whole group, and how
    long it may take before its group is killed."""

    process: subprocess.Popen[bytes]
    grace_seconds: float = 15.0
    first_signal: signal.Signals = signal.SIGTERM
    leader_only: bool = False


def stop_process_group(
    process: subprocess.Popen[bytes],
    *,
    grace_seconds: float = 15.0,
    first_signal: signal.Signals = signal.SIGTERM,
    leader_only: bool = False,
) -> None:
    """Send ``first_signal`` to a child (or its whole process group), SIGKILL the group after
    ``grace_seconds``.

    The child must have been started with ``start_new_session=True`` (its own group), so that
    nothing it started outlives it. ``leader_only`` lets the child stop its own children
    gracefully first. A second Ctrl-C while we wait kills at once.
    """
    stop_process_groups([Stopping(process, grace_seconds, first_signal, leader_only)])


def stop_process_groups(children: list[Stopping]) -> None:
    """Stop several children at once: every first signal is sent before any wait, so stopping
    takes as long as the slowest child, not the sum of their grace periods."""
    started = time.monotonic()
    running = [child for child in children if child.process.poll() is None]
    for child in running:
        if child.leader_only:
            child.process.send_signal(child.first_signal)
        else:
            os.killpg(child.process.pid, child.first_signal)
    for child in running:
        remaining = max(0.0, child.grace_seconds - (time.monotonic() - started))
        try:
            child.process.wait(timeout=remaining)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            _kill_group(child.process)
            child.process.wait()
        else:
            _kill_group(child.process)  # whatever the leader left behind


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
