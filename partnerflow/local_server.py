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
from contextlib import contextmanager
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


@contextmanager
def local_prefect_server(home: Path, host: str = "127.0.0.1", port: int = 4200) -> Iterator[str]:
    """Yield the API URL of a Prefect server on ``host:port``, starting one if none answers.

    A server this function started is stopped on exit; one that was already running is left
    alone. The server's own SQLite database and log live under ``home``.
    """
    api_url = f"http://{host}:{port}/api"
    if is_healthy(api_url):
        yield api_url
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
    with (home / "server.log").open("ab") as log:
        process = subprocess.Popen(
            command, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_healthy(api_url, process)
        yield api_url
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
