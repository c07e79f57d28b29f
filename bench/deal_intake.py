"""Batch intake: N submissions through the deal-intake flow against the core alone, same run.

    uv run python bench/deal_intake.py [--count 10000] [--chunk 1000]

Both sides start from identical seeded SQLite databases and decide the same submissions with the
same code; the flow adds Prefect orchestration (a task per chunk, a local server). Target: flow
time <= 1.5 x core time + 3 s. Review runs are not started (`start_reviews=False`): the core side
has no equivalent.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import installation, report
from partnerflow.clock import SYSTEM_CLOCK
from partnerflow.context import Context
from partnerflow.db import get_engine, migrate, session_scope
from partnerflow.notify import free_port
from partnerflow.orchestration.local_server import local_prefect_server
from partnerflow.registration.batch import queue_submissions, take_in_chunk
from partnerflow.sample_data.network import seed_demo_network

LINES = ("network", "wifi", "security", "storage", "services", "software")


def submissions(count: int, partners: int, today: date, seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    close = today + timedelta(days=60)
    return [
        {
            "partner_id": rng.randint(1, partners),
            "customer_name": f"Client {n % 4000} SAS",
            "customer_email": f"achats@client{n % 4000}.fr",
            "customer_departement": rng.choice(["75", "69", "13"]),
            "product_lines": [rng.choice(LINES)],
            "amount": str(rng.choice([4000, 18000, 60000, 300000])),
            "expected_close_on": (close + timedelta(days=rng.randint(0, 300))).isoformat(),
        }
        for n in range(count)
    ]


def prepare(ctx: Context, url: str, rows: list[dict[str, Any]]) -> None:
    migrate(url)
    with session_scope(get_engine(url)) as session:
        seed_demo_network(session, now=SYSTEM_CLOCK.now(), scale=3)
        queue_submissions(session, rows, now=ctx.clock.now())


def core_seconds(ctx: Context, url: str, chunk: int) -> float:
    """The same chunks through the core, with the renderer and policy the flow's task reads."""
    policy = ctx.policy("deal_registration", ctx.clock.today())
    start = time.perf_counter()
    while True:
        with session_scope(get_engine(url)) as session:
            taken = take_in_chunk(
                session, limit=chunk, policy=policy, renderer=ctx.renderer, now=ctx.clock.now()
            ).taken
        if taken < chunk:
            return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        ctx = installation(root)  # the flow's database: the one its tasks read
        rows = submissions(args.count, partners=100, today=ctx.clock.today())
        core_url = f"sqlite:///{root / 'core.db'}"
        prepare(ctx, core_url, rows)
        prepare(ctx, ctx.settings.database_url, rows)
        core = core_seconds(ctx, core_url, args.chunk)

        with local_prefect_server(root / "prefect", port=free_port()) as server:
            os.environ["PREFECT_API_URL"] = server.api_url
            from flows.deal_intake import deal_intake

            start = time.perf_counter()
            result = deal_intake(chunk_size=args.chunk, start_reviews=False)
            flow = time.perf_counter() - start
            from prefect.logging.handlers import APILogHandler

            APILogHandler().flush()  # while the server still answers
    decided = sum(result.outcomes.values())
    assert decided == args.count, result
    print(f"{args.count} submissions: core {core:.1f} s, flow {flow:.1f} s; outcomes {result.outcomes}")
    report(
        "deal_intake",
        value=flow,
        unit="s",
        baseline=core,
        target=round(1.5 * core + 3, 1),
        higher_is_better=False,
        per_second=round(args.count / flow),
    )


if __name__ == "__main__":
    main()
