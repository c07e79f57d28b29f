"""Every benchmark at a size CI can afford, so that none of them rots unnoticed.

    uv run --extra scale python bench/smoke.py [--only NAME ...]

Runs each script of ``bench/`` in its own process with small sizes and checks what a benchmark
owes its reader: exit 0, and as its last line one JSON object with ``value``, ``baseline``,
``ratio``, ``target`` and ``pass``. The targets are not asserted (this machine is shared and
the sizes are tiny): the run is. ``make bench-smoke`` calls it and CI runs that target; the
last line is ``N passed, N failed``. Two scripts run at a time, the longest first: ``distributed``
(a whole topology started twice, ~3 minutes of mostly waiting) beside all the others, which
took the smoke run from 343 s to about 220 s of CI.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REQUIRED = ("value", "baseline", "ratio", "target", "pass")

# Each script with the sizes of a smoke run (seconds, not minutes); the figures in
# bench/README.md come from `make bench`, at the sizes each script defaults to.
SMOKE_SIZES: dict[str, list[str]] = {
    "policy_eval": ["--count", "2000"],
    "outbox": ["--count", "40"],
    "approval_page": ["--runs", "1", "--clients", "2", "--links", "10"],
    "faults": ["--count", "40", "--kills", "1", "--racers", "2"],
    "deal_intake": ["--count", "200", "--chunk", "100"],
    "deal_latency": ["--runs", "1"],
    "bulk_submit": ["--count", "300", "--sample", "50"],
    "campaign_notify": ["--partners", "60"],
    "commissions": ["--deals", "2000", "--partners", "50"],
    "rebalancing": ["--events", "5000", "--departements", "5", "--resellers", "25"],
    "partner_health": ["--partners", "200"],
    "referrals": ["--referrals", "1000", "--deals", "200"],
    "distributed": ["--runs", "2", "--queued", "10"],
    "partner_api": ["--count", "60", "--clients", "3"],
    "lead_routing": ["--leads", "3000", "--resellers", "150", "--open", "500"],
}
TIME_LIMIT_SECONDS = 600
LONGEST_FIRST = ("distributed", "approval_page")  # 173 s and 54 s at smoke size, the rest < 25 s
AT_ONCE = 2


def scripts() -> list[str]:
    """The benchmark scripts on disk: a new one without smoke sizes fails the smoke run."""
    names = (path.stem for path in BENCH.glob("*.py"))
    return sorted(name for name in names if not name.startswith("_") and name != "smoke")


def problem_with(output: str, returncode: int) -> str | None:
    """Why a run does not give its reader a figure, or None."""
    if returncode != 0:
        return f"exit {returncode}"
    lines = output.strip().splitlines()
    if not lines:
        return "printed nothing"
    try:
        closing = json.loads(lines[-1])
    except json.JSONDecodeError:
        return f"the last line is not JSON: {lines[-1][:120]!r}"
    if not isinstance(closing, dict):
        return "the last line is not a JSON object"
    missing = [key for key in REQUIRED if key not in closing]
    return f"the JSON line lacks {', '.join(missing)}" if missing else None


def run(name: str) -> str | None:
    """Run one script at its smoke size; the problem, or None."""
    if name not in SMOKE_SIZES:
        return "no smoke size in bench/smoke.py"
    command = [sys.executable, str(BENCH / f"{name}.py"), *SMOKE_SIZES[name]]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIME_LIMIT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return f"still running after {TIME_LIMIT_SECONDS} s"
    problem = problem_with(done.stdout, done.returncode)
    if problem is not None:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
    return problem


def timed_run(name: str) -> tuple[str | None, float]:
    """``run(name)`` and the seconds it took."""
    started = time.monotonic()
    problem = run(name)
    return problem, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these scripts only")
    names = parser.parse_args().only or scripts()
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    ordered = sorted(names, key=lambda name: rank.get(name, len(rank)))  # stable: the rest A-Z
    failed = 0
    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        running = {pool.submit(timed_run, name): name for name in ordered}
        for done in as_completed(running):
            problem, seconds = done.result()
            failed += problem is not None
            outcome = "ok" if problem is None else "FAILED: " + problem
            print(f"{running[done]}: {outcome} ({seconds:.0f} s)", flush=True)
    print(f"bench-smoke: {len(names) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
