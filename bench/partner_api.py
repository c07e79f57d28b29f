"""Deal registrations through the partner API, as partners' CRMs send them, against the CLI batch.

    uv run python bench/partner_api.py [--count 1000] [--clients 20] [--retries 0.1]

The web app runs as ``partnerflow web`` in its own process on a seeded SQLite database. Each
of ``--clients`` threads is one partner's CRM with its own API key; together they POST
``--count`` registrations to ``/api/v1/registrations``, each with its own ``Idempotency-Key``,
and send ``--retries`` of them a second time with the same key and body (a CRM retrying after a
timeout). Measured: the latency of every request (p50, p95), the 5xx answered, and the
registrations stored against the rows sent (a retried row stored twice is a duplicate).

The baseline, in the same run, is ``partnerflow deals submit`` (the CLI's batch path) on the
same rows and a copy of the same database. The value is the API's rows per second; the ratio is
API / CLI. Pass: 0 duplicates, 0 answers 5xx, every row answered 201, p95 under 1 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import col, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import installation, report
from bench.bulk_submit import FIELDS, timed_submit
from bench.deal_intake import submissions
from partnerflow.clock import SYSTEM_CLOCK
from partnerflow.context import Context
from partnerflow.db import get_engine, migrate, session_scope
from partnerflow.models import Partner, PartnerStatus, Registration
from partnerflow.notify import free_port
from partnerflow.partner_access import make_api_key
from partnerflow.sample_data.network import seed_demo_network

P95_TARGET_SECONDS = 1.0


def rows_of(count: int, partners: list[int]) -> list[dict[str, Any]]:
    """The registrations, shared among the clients' partners, each with its own CRM id, so
    neither path folds two rows into one."""
    rows = submissions(count, partners=len(partners), today=SYSTEM_CLOCK.today())
    for number, row in enumerate(rows):
        row["partner_id"] = partners[number % len(partners)]
        row["external_id"] = f"CRM-{number}"
    return rows


def active_partners(count: int) -> list[int]:
    """The first ``count`` active partners of the seeded network: one CRM each."""
    with session_scope() as session:
        found = session.exec(
            select(Partner.id).where(Partner.status == PartnerStatus.ACTIVE).order_by(col(Partner.id))
        ).all()
    assert len(found) >= count, f"the seeded network has {len(found)} active partners"
    return [partner_id for partner_id in found[:count] if partner_id is not None]


def api_keys(ctx: Context, partners: list[int]) -> dict[int, str]:
    """One key per client's partner, made as ``partners api-key create`` makes them."""
    keys: dict[int, str] = {}
    with session_scope() as session:
        for partner_id in partners:
            made = make_api_key(
                session,
                ctx.links.keys,
                partner_id,
                name="bench CRM",
                scopes=["registrations:read", "registrations:write"],
                created_by="bench",
                now=ctx.clock.now(),
            )
            keys[partner_id] = made.key
    return keys


@contextmanager
def web_process(root: Path, port: int) -> Iterator[str]:
    """``partnerflow web`` in its own process, on this installation's settings."""
    log = (root / "web.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "partnerflow", "web", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, "PARTNERFLOW_API_REQUESTS_PER_MINUTE": "100000"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise TimeoutError(f"partnerflow web did not answer: {(root / 'web.log').read_text()[-2000:]}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


class Tally:
    """What the clients saw, gathered across threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.ids: dict[str, set[int]] = {}

    def add(self, key: str, status: int, seconds: float, registration: int | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if registration is not None:
                self.ids.setdefault(key, set()).add(registration)


def crm(url: str, key: str, rows: list[dict[str, Any]], retried: set[str], tally: Tally) -> None:
    """One partner's CRM: each row posted once, the retried ones a second time at the end."""
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=f"{url}/api/v1", timeout=60, headers=headers) as api:
        queue = [*rows, *(row for row in rows if row["external_id"] in retried)]
        for row in queue:
            body = {name: row[name] for name in FIELDS if name != "partner_id"}
            start = time.perf_counter()
            answer = api.post("/registrations", json=body, headers={"Idempotency-Key": row["external_id"]})
            seconds = time.perf_counter() - start
            registration = answer.json().get("id") if answer.status_code == 201 else None
            tally.add(row["external_id"], answer.status_code, seconds, registration)


def through_api(
    url: str, keys: dict[int, str], rows: list[dict[str, Any]], retried: set[str]
) -> tuple[Tally, float]:
    """Every client's rows at once, a thread per client; the wall time of all of them."""
    tally = Tally()
    by_client: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_client.setdefault(row["partner_id"], []).append(row)
    threads = [
        threading.Thread(target=crm, args=(url, keys[partner], mine, retried, tally))
        for partner, mine in by_client.items()
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.perf_counter() - start


def through_cli(root: Path, database: Path, rows: list[dict[str, Any]]) -> float:
    """``partnerflow deals submit`` on the same rows (a CSV) against its own copy of the database."""
    deals = root / "deals.csv"
    with deals.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "product_lines": " ".join(row["product_lines"])})
    finished, seconds = timed_submit(deals, database, root / "log")
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert stored(database) == len(rows), finished.stdout[-2000:]
    return seconds


def stored(database: Path) -> int:
    with session_scope(get_engine(f"sqlite:///{database}")) as session:
        return session.exec(select(func.count()).select_from(Registration)).one()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--retries", type=float, default=0.1, help="share of rows sent twice")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        ctx = installation(root)
        database = Path(ctx.settings.database_url.removeprefix("sqlite:///"))
        migrate(ctx.settings.database_url)
        with session_scope() as session:
            seed_demo_network(session, now=SYSTEM_CLOCK.now(), scale=3)
        with sqlite3.connect(database) as source, sqlite3.connect(root / "cli.db") as copy:
            source.backup(copy)  # what the WAL holds too
        partners = active_partners(args.clients)
        rows = rows_of(args.count, partners)
        resent = random.Random(7).sample(rows, int(len(rows) * args.retries))
        retried = {row["external_id"] for row in resent}
        keys = api_keys(ctx, partners)

        with web_process(root, free_port()) as url:
            tally, api_seconds = through_api(url, keys, rows, retried)
        cli_seconds = through_cli(root, root / "cli.db", rows)
        registrations = stored(database)

    latencies = sorted(tally.latencies)
    p50 = statistics.median(latencies)
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    server_errors = sum(count for status, count in tally.statuses.items() if status >= 500)
    twice = sum(1 for ids in tally.ids.values() if len(ids) > 1)  # one key answered with two ids
    duplicates = max(0, registrations - len(rows)) + twice
    answered = sum(1 for key in (row["external_id"] for row in rows) if key in tally.ids)
    value, baseline = len(rows) / api_seconds, len(rows) / cli_seconds
    print(
        f"{len(rows)} rows ({len(retried)} sent twice) by {args.clients} CRMs: {api_seconds:.1f} s "
        f"({value:.0f} rows/s), p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, answers {tally.statuses}, "
        f"{registrations} stored, {duplicates} duplicates; "
        f"CLI batch {cli_seconds:.1f} s ({baseline:.0f} rows/s)"
    )
    report(
        "partner_api",
        value=value,
        unit="rows/s",
        baseline=baseline,
        target=0,
        passed=duplicates == 0 and server_errors == 0 and answered == len(rows) and p95 < P95_TARGET_SECONDS,
        p50_ms=round(p50 * 1000),
        p95_ms=round(p95 * 1000),
        server_errors=server_errors,
        duplicates=duplicates,
        stored=registrations,
    )


if __name__ == "__main__":
    main()
