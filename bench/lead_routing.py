"""Lead routing at scale: a year of leads offered to resellers by the shipped lead_routing policy.

    uv run python bench/lead_routing.py [--leads 100000] [--resellers 2000] [--open 10000]

A child process builds a fresh SQLite file (not timed): the 101 départements, ``--resellers``
resellers spread over them unevenly (mixed tiers, some certified), and ``--leads`` leads received
through 2026, by département in proportion to a made-up population. Timed here:

1. ``route_waiting(..., as_received=True)``: every lead offered at the time it came in, through
   the product's own path (claim, rank, store the stamped turns), committed. Target: < 10 s.
   Baseline in the same process: a plain round-robin per département over the same leads.
   Printed: both spreads (min, median, max, Gini of leads per reseller) and how many resellers
   end under 10 leads, each with why (its zone's volume, or not explained: a routing defect).
2. ``sweep_deadlines`` over ``--open`` offers past their deadline (the rest closed): reminders,
   withdrawals, the leads set waiting again. Target: < 2 s.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text
from sqlmodel import Session

from bench._support import report
from partnerflow.db import make_engine, migrate
from partnerflow.leads.deadlines import sweep_deadlines
from partnerflow.leads.distribution import route_waiting
from partnerflow.leads.simulation import spread
from partnerflow.models import Lead, LeadState, Territory
from partnerflow.policy import PolicyLibrary
from partnerflow.sample_data import insert_partners
from partnerflow.settings import PROJECT_ROOT
from partnerflow.territories import DEPARTEMENTS

YEAR = 2026
TIERS = ("registered", "silver", "silver", "silver", "gold", "gold", "platinum")
FLOOR = 10


def build(url: str, leads: int, resellers: int) -> None:
    """The child process: territories, resellers (3 to 30 a département) and the year's leads."""
    migrate(url)
    engine = make_engine(url)
    rng = random.Random(2026)
    codes = [code for code, _name, _region in DEPARTEMENTS]
    weights = [rng.uniform(0.3, 3.0) for _ in codes]  # some départements far busier than others
    placed = rng.choices(codes, weights=weights, k=resellers)
    with Session(engine) as session:
        session.execute(insert(Territory), [{"code": c, "name": n, "region": r} for c, n, r in DEPARTEMENTS])
        insert_partners(
            session,
            [
                {
                    "name": f"Revendeur {n}",
                    "territory_code": placed[n],
                    "tier": rng.choice(TIERS),
                    "certified": rng.random() < 0.4,
                    "contact_email": f"contact@r{n}.example",
                    "created_at": datetime(YEAR, 1, 1, tzinfo=UTC),
                }
                for n in range(resellers)
            ],
        )
        start = datetime(YEAR, 1, 1, tzinfo=UTC)
        rows = [
            {
                "id": f"LD-{n:07d}",
                "departement": rng.choices(codes, weights=weights)[0],
                "received_at": start + timedelta(seconds=rng.randrange(365 * 24 * 3600)),
                "state": LeadState.NEW.value,
                "company": f"Prospect {n}",
                "product_lines": rng.choice([["network"], ["wifi"], ["security"], ["network", "switching"]]),
                "source": "web",
                "consent": rng.random() < 0.97,
            }
            for n in range(leads)
        ]
        for first in range(0, len(rows), 20_000):
            session.execute(insert(Lead), rows[first : first + 20_000])
        session.commit()
    print(f"built: {resellers} resellers, {leads} leads", file=sys.stderr)


RECEIVED = "SELECT reseller_id, count(*) FROM leadturn GROUP BY reseller_id"
OFFERED_IN = (  # per département, and per département without the lines a certificate is needed for
    "SELECT l.departement || CASE WHEN l.product_lines LIKE '%security%' THEN '/certified' ELSE '' END, "
    "count(*) FROM leadturn t JOIN lead l ON l.id = t.lead_id GROUP BY 1"
)


def why_short(partner_id, code, offered, by_departement, certified, document) -> str:  # type: ignore[no-untyped-def]
    """Why a reseller ends the year under the floor: its département did not offer enough leads
    for 10 each, it could not take the leads needing a certificate, or it shares its zone with
    the resellers of the neighbouring départements the policy lists; else not explained."""
    here = len(by_departement[code])
    open_to_all = offered[code]
    if open_to_all + offered[f"{code}/certified"] < FLOOR * here:
        return "département volume"
    if partner_id not in certified and open_to_all < FLOOR * here:
        return "not certified for the rest"
    sharing = code in document.eligibility.neighbours or any(
        code in others for others in document.eligibility.neighbours.values()
    )
    return "shared with neighbouring départements" if sharing else "not explained"


def round_robin(leads: list[tuple[str, str]], resellers: dict[str, list[int]]) -> Counter[int]:
    """The baseline: each département's leads dealt to its resellers in turn, nothing else."""
    received: Counter[int] = Counter({r: 0 for rs in resellers.values() for r in rs})
    turn: dict[str, int] = defaultdict(int)
    for _lead_id, departement in leads:
        here = resellers.get(departement)
        if here:
            received[here[turn[departement] % len(here)]] += 1
            turn[departement] += 1
    return received


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--resellers", type=int, default=2_000)
    parser.add_argument("--open", type=int, default=10_000, help="offers past their deadline to sweep")
    parser.add_argument("--build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.build, args.leads, args.resellers)
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        command = [sys.executable, __file__, "--build", url, "--leads", str(args.leads)]
        subprocess.run([*command, "--resellers", str(args.resellers)], check=True)
        engine = make_engine(url)
        policy = PolicyLibrary.load(PROJECT_ROOT / "policies").in_force("lead_routing", date(YEAR, 12, 31))
        with engine.connect() as connection:
            leads = [
                tuple(row)
                for row in connection.execute(
                    text("SELECT id, departement FROM lead ORDER BY received_at, id")
                )
            ]
            placed = connection.execute(text("SELECT id, territory_code FROM partner ORDER BY id")).all()
        by_departement: dict[str, list[int]] = defaultdict(list)
        for partner_id, code in placed:
            by_departement[code].append(partner_id)

        started = time.perf_counter()
        baseline_counts = round_robin(leads, by_departement)
        baseline = time.perf_counter() - started

        started = time.perf_counter()
        with Session(engine) as session:
            routed = route_waiting(
                session, policy, now=datetime(YEAR, 12, 31, 23, tzinfo=UTC), as_received=True
            )
            session.commit()
        seconds = time.perf_counter() - started

        with engine.connect() as connection:
            received = Counter(dict(connection.execute(text(RECEIVED)).all()))
            offered = Counter(dict(connection.execute(text(OFFERED_IN)).all()))
            certified = {row[0] for row in connection.execute(text("SELECT id FROM partner WHERE certified"))}
        counts = {partner_id: received.get(partner_id, 0) for partner_id, _code in placed}
        reasons = Counter(
            why_short(p, code, offered, by_departement, certified, policy.document)
            for p, code in placed
            if counts[p] < FLOOR
        )
        sweep_seconds, swept = sweep(engine, policy.document, args.open)
        engine.dispose()
    ours, theirs = spread(list(counts.values())), spread(list(baseline_counts.values()))
    print(
        f"routed {len(routed.offered):,} leads ({len(routed.to_manager):,} to channel managers) to "
        f"{len(counts):,} resellers in {seconds:.2f} s; round-robin baseline {baseline:.2f} s\n"
        f"spread, lead_routing: {ours}\nspread, round-robin:  {theirs}\n"
        f"under {FLOOR} leads: {sum(reasons.values())} ({dict(reasons)})\n"
        f"deadline sweep: {swept} offers in {sweep_seconds:.2f} s",
        file=sys.stderr,
    )
    report(
        "lead_routing",
        value=seconds,
        unit="s",
        baseline=baseline,
        target=10.0,
        higher_is_better=False,
        passed=seconds < 10.0 and not reasons["not explained"] and sweep_seconds < 2.0,
        leads=args.leads,
        resellers=len(counts),
        to_manager=len(routed.to_manager),
        under_floor=dict(reasons),
        spread=ours,
        round_robin_spread=theirs,
        sweep_seconds=round(sweep_seconds, 3),
        sweep_open=swept,
        sweep_target=2.0,
    )


def sweep(engine, policy, open_offers: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Close all but ``open_offers`` offers, then time the sweep an hour after their deadlines."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE leadturn SET state = 'closed' WHERE id NOT IN "
                "(SELECT id FROM leadturn WHERE state = 'offered' ORDER BY id DESC LIMIT :keep)"
            ),
            {"keep": open_offers},
        )
        latest = connection.execute(
            text("SELECT max(deadline_at) FROM leadturn WHERE state = 'offered'")
        ).scalar_one()
    moment = datetime.fromisoformat(str(latest)).replace(tzinfo=UTC) + timedelta(hours=1)
    started = time.perf_counter()
    with Session(engine) as session:
        done = sweep_deadlines(session, policy, moment)
        session.commit()
    return time.perf_counter() - started, len(done.withdrawn)


if __name__ == "__main__":
    main()
