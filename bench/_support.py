"""What the benchmarks share: the closing JSON line, and an SMTP sink in its own process."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def report(
    name: str,
    *,
    value: float,
    unit: str,
    baseline: float,
    target: float,
    higher_is_better: bool = True,
    **extra: Any,
) -> None:
    ratio = value / baseline if baseline else float("inf")
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
