"""A deal file of 100,000 rows through ``partnerflow deals submit FILE``, as an operator runs it.

    uv run python bench/bulk_submit.py [--count 100000] [--sample 2000]

The value is the command's rows per second (process start, reading the CSV, bulk intake by
chunks with progress, the summary), on a seeded SQLite database. The baseline, in the same run,
is the row-by-row intake (``take_in``, one transaction per row, what ``deals submit`` did
before) over the first ``--sample`` rows of the same file on a copy of the same database.
Target: >= 500 rows/s. A run also checks that every row was answered (summary counts = rows).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import report
from bench.deal_intake import submissions
from partnerflow.clock import SYSTEM_CLOCK
from partnerflow.db import get_engine, migrate, session_scope
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import load_policy
from partnerflow.registration.intake import take_in
from partnerflow.sample_data.network import seed_demo_network
from partnerflow.settings import PROJECT_ROOT

FIELDS = (
    "partner_id",
    "customer_name",
    "customer_email",
    "customer_departement",
    "product_lines",
    "amount",
    "expected_close_on",
    "external_id",
)


def write_csv(path: Path, count: int) -> None:
    rows = submissions(count, partners=100, today=SYSTEM_CLOCK.today())
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        for number, row in enumerate(rows):
            customer = number if number % 20 else number // 2  # one customer in 20 registered twice
            writer.writerow(
                {
                    **row,
                    "customer_name": f"Client {customer} SAS",
                    "customer_email": f"achats@client{customer}.fr",
                    "product_lines": row["product_lines"][0],
                    "external_id": f"ERP-{number}",
                }
            )


def row_by_row_per_second(url: str, path: Path, sample: int) -> float:
    with path.open(encoding="utf-8") as handle:
        rows = [dict(row) for _, row in zip(range(sample), csv.DictReader(handle), strict=False)]
    renderer = TemplateRenderer(PROJECT_ROOT / "email_templates")
    start = time.perf_counter()
    for raw in rows:
        now = datetime.now(UTC)
        with session_scope(get_engine(url)) as session:
            policy = load_policy("deal_registration", now.date(), PROJECT_ROOT / "policies")
            take_in(session, raw, policy=policy, renderer=renderer, now=now)
    return len(rows) / (time.perf_counter() - start)


def timed_submit(
    deals: Path, database: Path, log_dir: Path
) -> tuple[subprocess.CompletedProcess[str], float]:
    """``partnerflow deals submit FILE`` as an operator runs it, on ``database``, and its wall
    time (process start included); review runs are not started."""
    environment = {
        **os.environ,
        "PARTNERFLOW_DATABASE_URL": f"sqlite:///{database}",
        "PARTNERFLOW_LOG_DIR": str(log_dir),
        "COLUMNS": "200",
    }
    start = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-m", "partnerflow", "deals", "submit", str(deals), "--no-start-reviews"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    return finished, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        database = root / "bulk.db"
        migrate(f"sqlite:///{database}")
        with session_scope(get_engine(f"sqlite:///{database}")) as session:
            seed_demo_network(session, now=SYSTEM_CLOCK.now(), scale=3)
        shutil.copy(database, root / "rows.db")
        deals = root / "deals.csv"
        write_csv(deals, args.count)
        baseline = row_by_row_per_second(f"sqlite:///{root / 'rows.db'}", deals, args.sample)

        finished, seconds = timed_submit(deals, database, root / "log")
    print(finished.stderr.strip()[-2000:])
    print(finished.stdout.strip().splitlines()[0] if finished.stdout.strip() else "(no output)")
    assert finished.returncode == 0, finished.returncode
    assert f"{args.count:,} rows taken in" in finished.stdout, "every row answered"
    value = args.count / seconds
    print(
        f"{args.count} rows in {seconds:.1f} s: {value:.0f} rows/s; row by row {baseline:.0f} rows/s "
        f"(first {args.sample} rows, same run); today {date.today()}"
    )
    report(
        "bulk_submit", value=value, unit="rows/s", baseline=baseline, target=500, seconds=round(seconds, 1)
    )


if __name__ == "__main__":
    main()
