"""What the benchmarks share: an installation of their own, the closing JSON line, and an SMTP sink
in its own process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from partnerflow.context import Context, context, forget_context
from partnerflow.db import get_engine
from partnerflow.notify import free_port, notification_key, plain_text, received_messages
from partnerflow.settings import get_settings


def installation(root: Path, database_url: str | None = None) -> Context:
    """Point this process's settings at a scratch folder and return the Context that the flows
    and tasks it runs will read: a benchmark measures the product's own path, on its own data,
    not a copy of it reading another database (deal_intake once timed a flow whose task read
    the developer's database)."""
    os.environ.update(
        {
            "PARTNERFLOW_DATABASE_URL": database_url or f"sqlite:///{root / 'partnerflow.db'}",
            "PARTNERFLOW_MAIL_DIR": str(root / "mail"),
            "PARTNERFLOW_REPORTS_DIR": str(root / "reports"),
            "PARTNERFLOW_PAYMENTS_DIR": str(root / "payments"),
            "PARTNERFLOW_LOG_DIR": str(root / "log"),
            "PARTNERFLOW_PREFECT_HOME": str(root / "prefect"),
            "PARTNERFLOW_SECRET_KEY_FILE": str(root / "secret_key"),
            "PARTNERFLOW_SMTP_PORT": str(free_port()),
        }
    )
    get_settings.cache_clear()
    get_engine.cache_clear()
    forget_context()
    return context()


def report(
    name: str,
    *,
    value: float,
    unit: str,
    baseline: float,
    target: float,
    higher_is_better: bool = True,
    passed: bool | None = None,
    **extra: Any,
) -> None:
    """The closing JSON line; ``passed`` overrides the comparison of value and target when the
    verdict is several conditions (no duplicate, no 5xx...)."""
    ratio = value / baseline if baseline else float("inf")
    if passed is None:
        passed = value >= target if higher_is_better else value <= target
    print(
        json.dumps(
            {
                "bench": name,
                "value": round(value, 2),
                "unit": unit,
                "baseline": round(baseline, 2),
                "ratio": round(ratio, 3),
                "target": target,
                "pass": passed,
                **extra,
            }
        )
    )


def mailed_text(folder: Path, key_prefix: str, timeout: float = 60.0) -> str:
    """The text of the e-mail in the sink's folder whose outbox key starts with ``key_prefix``:
    what its recipient reads (links and codes are only there, never in the outbox)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in received_messages(folder):
            if notification_key(message).startswith(key_prefix):
                return plain_text(message)
        time.sleep(0.2)
    raise TimeoutError(f"no e-mail {key_prefix}… reached the sink in {timeout:.0f} s")


@contextmanager
def sink_process(directory: Path, port: int) -> Iterator[None]:
    """The SMTP sink in its own process, as in production: sender and server do not share a GIL."""
    command = [
        sys.executable,
        "-m",
        "partnerflow",
        "mail",
        "sink",
        "--dir",
        str(directory),
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            if time.monotonic() > deadline:
                raise TimeoutError("the SMTP sink did not start")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)
