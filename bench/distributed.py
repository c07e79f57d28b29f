"""The distributed topology under load: register-deal runs and a queued batch, 1 worker then 2.

Starts README "Scale out" on this machine (tests/system/cluster.py: two API replicas on
PostgreSQL + Redis, the services apart, workers with --limit), then measures:

- N ``register-deal`` runs created at once through the API: seconds to all final, runs/s, the
  pick-up latency (expected start -> start, median and p95) and the API replicas' RSS;
- M queued submissions (``deals submit --queue``) decided by one ``deal-intake`` run.

The baseline is the same load with one worker, in the same process. This machine has 2 cores
shared by the servers, the workers and every flow-run process: it shows what limits a host,
not scaling. Run: ``uv run --extra scale python bench/distributed.py [--runs 200 --queued 2000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import report
from tests.system.cluster import Cluster, running_cluster
from tests.system.operator import PrefectApi, partner_where, small_trusted_deal

POSTGRES_URL = os.environ.get(
    "PARTNERFLOW_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
FINAL_STATES = {"Completed", "Failed", "Crashed", "Cancelled"}


def measure(workers: int, runs: int, queued: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix=f"partnerflow-bench-{workers}w-"))  # logs kept for a look
    with running_cluster(folder, POSTGRES_URL, workers=workers, worker_limit=4) as cluster:
        burst = _burst(cluster, runs)
        batch = _queued_batch(cluster, queued)
        rss = {
            name: _rss_mb(process.pid)
            for name, process in cluster.operator.named.items()
            if name.startswith(("api", "services"))
        }
    return {"workers": workers, **burst, **batch, "rss_mb": rss}


def _burst(cluster: Cluster, runs: int) -> dict[str, Any]:
    api = cluster.replicas[0]
    partner_id, departement = partner_where(cluster.operator, "tier IN ('gold', 'platinum') AND certified")
    deployment = api.deployments()["register-deal"]
    started = time.monotonic()
    ids = [
        api.run_deployment(
            deployment, {"submission": small_trusted_deal(partner_id, f"Charge {n} SAS", departement)}
        )
        for n in range(runs)
    ]
    while True:
        found = _all_runs(api, ids)
        if len(found) == runs and all(run["state_name"] in FINAL_STATES for run in found):
            break
        time.sleep(1)
    seconds = time.monotonic() - started
    latencies = sorted(
        (_instant(run["start_time"]) - _instant(run["expected_start_time"])).total_seconds()
        for run in found
        if run["start_time"]
    )
    states: dict[str, int] = {}
    for run in found:
        states[run["state_name"]] = states.get(run["state_name"], 0) + 1
    return {
        "runs": runs,
        "seconds": round(seconds, 1),
        "runs_per_s": round(runs / seconds, 2),
        "pickup_median_s": round(statistics.median(latencies), 1),
        "pickup_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "states": states,
    }


def _queued_batch(cluster: Cluster, queued: int) -> dict[str, Any]:
    operator, api = cluster.operator, cluster.replicas[1]
    partner_id, departement = partner_where(operator, "tier IN ('gold', 'platinum') AND certified")
    rows = [small_trusted_deal(partner_id, f"Lot {n} SARL", departement) for n in range(queued)]
    path = operator.home / "queued.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    started = time.monotonic()
    operator.cli("deals", "submit", str(path), "--queue")
    run_id = api.run_deployment(api.deployments()["deal-intake"], {"start_reviews": False})
    api.wait_for_state(run_id, "Completed", timeout=900)
    seconds = time.monotonic() - started
    return {"queued": queued, "queued_seconds": round(seconds, 1), "queued_per_s": round(queued / seconds, 1)}


def _all_runs(api: PrefectApi, ids: list[str]) -> list[dict[str, Any]]:
    """The runs with these ids, read 200 at a time (the API's page size)."""
    return [
        run
        for start in range(0, len(ids), 200)
        for run in api.flow_runs(id={"any_": ids[start : start + 200]})
    ]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--queued", type=int, default=2000)
    arguments = parser.parse_args()
    one = measure(1, arguments.runs, arguments.queued)
    print(json.dumps(one))
    two = measure(2, arguments.runs, arguments.queued)
    print(json.dumps(two))
    report(
        "distributed_register_deal_runs_per_s",
        value=two["runs_per_s"],
        unit="runs/s with 2 workers",
        baseline=one["runs_per_s"],
        target=round(0.8 * one["runs_per_s"], 2),  # a second worker on the same 2 cores must not hurt
        one_worker=one,
        two_workers=two,
    )


if __name__ == "__main__":
    main()
