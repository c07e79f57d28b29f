"""Partner health at scale: every active partner's facts, drivers and level, against hand-written SQL.

    uv run python bench/partner_health.py [--partners 20000]

A child process (not timed) generates a year and a half of history into a fresh database: per
partner about 12 registrations (some refused, won or lost, some reviewed, a few asked for more
information), 4 commission lines over two years, 10 leads with their opening events, training
records. Timed here, in the same process: ``assess_partners`` (one SQL statement for the 22
facts, then the shipped partner_health policy over each partner: drivers, level, reasons), and
as the baseline a hand-written SQL query returning the same per-partner counts. Target: under
10 s for 20,000 partners.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Row, insert, text
from sqlmodel import Session

from bench._support import report
from partnerflow.db import make_engine, migrate
from partnerflow.health import PartnerHealth, assess_partners
from partnerflow.models import (
    ApprovalRequest,
    CommissionLine,
    Lead,
    LeadEvent,
    LeadTurn,
    Person,
    Registration,
    Territory,
    TrainingRecord,
)
from partnerflow.policy import PartnerHealthPolicy, Policy, load_policy
from partnerflow.sample_data import insert_partners
from partnerflow.sample_data.history import FADING_EVERY, insert_history, make_history
from partnerflow.settings import PROJECT_ROOT

AS_OF = datetime(2026, 11, 30, 12, tzinfo=UTC)
TIERS = ("registered", "silver", "gold", "platinum")

# The same counts as partnerflow.health.facts, written by hand for SQLite (the baseline).
BASELINE = """
WITH r AS (
  SELECT partner_id,
    sum(submitted_at >= :year) AS submissions,
    sum(submitted_at >= :year AND status = 'refused') AS refused,
    sum(closed_on >= :year_day AND status = 'won') AS won,
    sum(closed_on >= :year_day AND status = 'lost') AS lost,
    sum(submitted_at >= :recent) AS recent,
    sum(submitted_at >= :usual AND submitted_at < :recent) AS before,
    count(DISTINCT CASE WHEN submitted_at >= :year THEN policy_version END) AS versions
  FROM registration WHERE (submitted_at >= :usual OR closed_on >= :year_day) AND submitted_at < :as_of
  GROUP BY partner_id),
c AS (
  SELECT partner_id, sum(CASE WHEN closed_on >= :year_day THEN amount ELSE 0 END) AS this_year,
    sum(CASE WHEN closed_on < :year_day THEN amount ELSE 0 END) AS last_year
  FROM commissionline WHERE closed_on >= :last_year_day AND closed_on < :today GROUP BY partner_id),
v AS (
  SELECT g.partner_id, count(*) AS reviews,
    sum(julianday(coalesce(q.closed_at, :as_of)) - julianday(q.requested_at) > 5) AS slow,
    avg(julianday(coalesce(q.closed_at, :as_of)) - julianday(q.requested_at)) AS wait,
    sum((SELECT count(*) FROM approval_answer a
         WHERE a.request_id = q.id AND a.decision = 'request-info')) AS info
  FROM approval_request q JOIN registration g ON g.id = q.subject_id
  WHERE q.subject_kind = 'registration' AND q.requested_at >= :year AND q.requested_at < :as_of
  GROUP BY g.partner_id),
t AS (
  SELECT partner_id, sum(kind = 'course' AND completed_on >= :year_day) AS courses,
    sum(kind = 'certification' AND expires_on <= :warning) AS expiring
  FROM trainingrecord GROUP BY partner_id),
l AS (
  SELECT t.reseller_id AS partner_id, count(*) AS leads, count(o.lead_id) AS opened
  FROM leadturn t LEFT JOIN (SELECT lead_id, reseller_id FROM leadevent WHERE kind = 'opened'
    GROUP BY lead_id, reseller_id) o ON o.lead_id = t.lead_id AND o.reseller_id = t.reseller_id
  WHERE t.received_at >= :year AND t.received_at < :as_of GROUP BY t.reseller_id)
SELECT p.id, p.tier, p.certified, p.joined_on, r.*, c.*, v.*, t.*, l.*
FROM partner p LEFT JOIN r ON r.partner_id = p.id LEFT JOIN c ON c.partner_id = p.id
LEFT JOIN v ON v.partner_id = p.id LEFT JOIN t ON t.partner_id = p.id LEFT JOIN l ON l.partner_id = p.id
WHERE p.status = 'active' ORDER BY p.id
"""


def build(url: str, partners: int) -> None:
    """The child process: territories, partners and their history."""
    migrate(url)
    engine = make_engine(url)
    rng = random.Random(2026)
    codes = [f"H{n:02d}" for n in range(100)]
    with Session(engine) as session:
        session.execute(
            insert(Territory), [{"code": c, "name": f"Département {c}", "region": f"R{c[-1]}"} for c in codes]
        )
        session.execute(insert(Person), [{"id": 1, "email": "manager@vendor.example", "name": "Manager"}])
        insert_partners(
            session,
            [
                {
                    "id": n,
                    "name": f"Partenaire {n}",
                    "territory_code": codes[n % len(codes)],
                    "tier": TIERS[n % 4],
                    "certified": n % 3 != 0,
                    "contact_email": f"contact@p{n}.example",
                    "joined_on": date(2021, 1, 1) if n % 10 else date(2026, 9, 1),
                    "created_at": AS_OF,
                }
                for n in range(1, partners + 1)
            ],
        )
        history = make_history(
            list(range(1, partners + 1)),
            as_of=AS_OF,
            manager_id=1,
            first_ids={"registration": 1, "approval_request": 1},
        )
        insert_history(session, history)
        leads, turns, events = [], [], []
        for partner_id in range(1, partners + 1):
            for number in range(10):
                lead_id = f"{partner_id}-{number}"
                received = AS_OF - timedelta(days=rng.uniform(1, 360))
                departement = codes[partner_id % len(codes)]
                leads.append(
                    {"id": lead_id, "departement": departement, "received_at": received, "product_lines": []}
                )
                turns.append(
                    {
                        "lead_id": lead_id,
                        "reseller_id": partner_id,
                        "state": "recorded",
                        "received_at": received,
                        "ranking": [],
                    }
                )
                if rng.random() < (0.5 if partner_id % FADING_EVERY == 0 else 0.95):
                    events.append(
                        {
                            "id": f"o-{lead_id}",
                            "lead_id": lead_id,
                            "reseller_id": partner_id,
                            "kind": "opened",
                            "occurred_at": received,
                        }
                    )
        for table, rows in ((Lead, leads), (LeadTurn, turns), (LeadEvent, events)):
            for start in range(0, len(rows), 20_000):
                session.execute(insert(table), rows[start : start + 20_000])
        session.commit()
        print(
            f"seeded {partners} partners: {history.count(Registration)} registrations, "
            f"{history.count(ApprovalRequest)} reviews, {history.count(CommissionLine)} commission lines, "
            f"{len(leads)} leads, {history.count(TrainingRecord)} training records",
            file=sys.stderr,
        )


COMPARED = {  # fact -> the baseline's column
    "submissions": "submissions",
    "refused": "refused",
    "deals_won": "won",
    "deals_lost": "lost",
    "registrations_recent": "recent",
    "policy_versions": "versions",
    "reviews": "reviews",
    "slow_reviews": "slow",
    "info_requests": "info",
    "courses_this_year": "courses",
    "leads": "leads",
}


def same_counts(assessed: list[PartnerHealth], baseline_rows: Sequence[Row[Any]]) -> None:
    """The timed code and the baseline counted the same things (or the comparison is void)."""
    by_partner = {row._mapping["id"]: row._mapping for row in baseline_rows}
    assert len(assessed) == len(by_partner), (len(assessed), len(by_partner))
    for health in assessed:
        row = by_partner[health.partner_id]
        for fact, column in COMPARED.items():
            assert health.facts[fact] == (row[column] or 0), (
                health.partner_id,
                fact,
                health.facts[fact],
                row[column],
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=20_000)
    parser.add_argument("--database", help="build here (default: a temporary SQLite file)")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.build_only:
        build(arguments.database, arguments.partners)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/health.db"
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--build-only",
                "--database",
                url,
                "--partners",
                str(arguments.partners),
            ],
            check=True,
        )
        print(f"built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        engine = make_engine(url)
        policy: Policy[PartnerHealthPolicy] = load_policy(
            "partner_health", AS_OF.date(), PROJECT_ROOT / "policies"
        )
        windows = policy.document.windows
        with Session(engine) as session:
            session.execute(text("SELECT count(*) FROM registration")).one()  # warm the file cache
            started = time.perf_counter()
            baseline_rows = session.execute(
                text(BASELINE),
                {
                    "as_of": AS_OF.replace(tzinfo=None),
                    "year": (AS_OF - timedelta(days=windows.year_days)).replace(tzinfo=None),
                    "year_day": (AS_OF - timedelta(days=windows.year_days)).date(),
                    "last_year_day": (AS_OF - timedelta(days=2 * windows.year_days)).date(),
                    "today": AS_OF.date(),
                    "recent": (AS_OF - timedelta(days=windows.recent_days)).replace(tzinfo=None),
                    "usual": (AS_OF - timedelta(days=windows.recent_days + windows.year_days)).replace(
                        tzinfo=None
                    ),
                    "warning": AS_OF.date() + timedelta(days=windows.expiry_warning_days),
                },
            ).all()
            baseline = time.perf_counter() - started
            started = time.perf_counter()
            assessed = assess_partners(session, policy, AS_OF)
            elapsed = time.perf_counter() - started
    same_counts(assessed, baseline_rows)
    levels = Counter(health.level for health in assessed)
    causes = Counter(driver.cause for health in assessed for driver in health.drivers)
    print(f"levels {dict(levels)}; drivers by cause {dict(causes)}", file=sys.stderr)
    report(
        "partner_health",
        value=elapsed,
        unit="s",
        baseline=baseline,
        target=10.0,
        higher_is_better=False,
        partners=len(assessed),
    )


if __name__ == "__main__":
    main()
