"""Rebalancing at scale: KPIs + classification over ~1,000,000 lead events, against hand-written SQL.

    uv run python bench/rebalancing.py [--events 1000000] [--departements 100] [--resellers 2000]

The lead data is generated into a fresh SQLite file by a child process (not timed, and not in
this process's memory). Timed here, in the same process: ``plan_rebalancing`` (the SQL
aggregation, then every reseller classified by the shipped policy and the coverage computed),
and as the baseline a hand-written GROUP BY returning the same per-reseller counts. Targets:
under 5 s and under 500 MB peak RSS for this process.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert
from sqlmodel import Session

from bench._support import report
from partnerflow.db import make_engine, migrate
from partnerflow.models import Territory
from partnerflow.policy import PolicyLibrary
from partnerflow.rebalancing.proposals import plan_rebalancing
from partnerflow.sample_data import insert_partners
from partnerflow.sample_data.leads import seed_leads
from partnerflow.settings import PROJECT_ROOT

YEAR = 2026
EVENTS_PER_LEAD = 2.55  # what the seeded behaviours produce on average

BASELINE = """
SELECT t.reseller_id, count(*), sum(e.opened), sum(e.processed), sum(e.closed), sum(e.sold)
FROM leadturn AS t
LEFT JOIN (
    SELECT lead_id, reseller_id,
           max(kind = 'opened') AS opened,
           max(kind = 'status') AS processed,
           max(status IN ('sold', 'lost')) AS closed,
           max(status = 'sold') AS sold
    FROM leadevent GROUP BY lead_id, reseller_id
) AS e ON e.lead_id = t.lead_id AND e.reseller_id = t.reseller_id
WHERE t.received_at >= '2026-01-01' AND t.received_at < '2027-01-01'
GROUP BY t.reseller_id
"""


def build(url: str, events: int, departements: int, resellers: int) -> None:
    """The child process: territories, resellers, and their leads with events."""
    migrate(url)
    engine = make_engine(url)
    codes = [f"B{n:02d}" for n in range(departements)]
    with Session(engine) as session:
        session.execute(insert(Territory), [{"code": c, "name": f"Département {c}"} for c in codes])
        insert_partners(
            session,
            [
                {
                    "id": n,
                    "name": f"Revendeur {n}",
                    "territory_code": codes[n % departements],
                    "contact_email": f"contact@r{n}.example",
                    "joined_on": date(2020, 1, 1) if n % 12 else date(YEAR, 9, 1),
                    "created_at": datetime(YEAR, 1, 1, tzinfo=UTC),
                }
                for n in range(1, resellers + 1)
            ],
        )
        per_reseller = round(events / EVENTS_PER_LEAD / resellers)
        seeded = seed_leads(
            session,
            [(n, codes[n % departements]) for n in range(1, resellers + 1)],
            YEAR,
            leads_per_reseller=per_reseller,
        )
        session.commit()
    print(f"built: {seeded.leads} leads, {seeded.events} events")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--departements", type=int, default=100)
    parser.add_argument("--resellers", type=int, default=2_000)
    parser.add_argument("--build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.build, args.events, args.departements, args.resellers)
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        command = [sys.executable, __file__, "--build", url, "--events", str(args.events)]
        command += ["--departements", str(args.departements), "--resellers", str(args.resellers)]
        subprocess.run(command, check=True)
        engine = make_engine(url)
        policy = PolicyLibrary.load(PROJECT_ROOT / "policies").in_force("rebalancing", date(YEAR, 12, 31))
        with engine.connect() as connection:  # warm the page cache equally for both sides
            events = connection.exec_driver_sql("SELECT count(*) FROM leadevent").scalar_one()
        started = time.perf_counter()
        with engine.connect() as connection:
            baseline_rows = connection.exec_driver_sql(BASELINE).all()
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        with Session(engine) as session:
            plan = plan_rebalancing(session, YEAR, policy)
        seconds = time.perf_counter() - started
        engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counted = sum(row[1] for row in baseline_rows)
    assert counted == sum(p.kpis.leads for p in plan.resellers), "both sides must count the same leads"
    print(
        f"plan_rebalancing: {seconds:.2f} s for {len(plan.resellers)} resellers, {counted} leads; "
        f"hand-written GROUP BY: {baseline:.2f} s; peak RSS {peak_mb:.0f} MB; outcomes {plan.counts()}"
    )
    report(
        "rebalancing",
        value=seconds,
        unit="s",
        baseline=baseline,
        target=5.0,
        higher_is_better=False,
        peak_rss_mb=round(peak_mb),
        rss_target_mb=500,
        rss_pass=peak_mb < 500,
        events=events,
        resellers=len(plan.resellers),
        departements=len(plan.coverage),
    )


if __name__ == "__main__":
    main()
