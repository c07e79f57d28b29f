"""The daily referral sweep at scale: qualification, fraud checks and rewards, against hand SQL.

    uv run python bench/referrals.py [--referrals 100000] [--deals 20000]

Generated first (not timed) into a fresh SQLite database: 10,000 sponsors (customers with an
invitation), ``--referrals`` referrals spread over them and over the first half of 2026, and
``--deals`` won deals of referred companies closed within the policy's window (one in ten under
the minimum amount, one in fifty already a customer before its referral), plus self-referrals
and rings for the fraud rules. Timed, in the same run and on the same data:

- baseline: one hand-written SQL statement finding each pending referral's first qualifying deal
  (window function) with the four fraud rules (pre-aggregated: first won deal per company,
  referrals per sponsor and month, sponsor/referred pairs), then the rewards inserted and the
  referrals updated by multi-row statements; rolled back;
- value: ``qualify_referrals`` as the daily sweep runs it (committed), checked to find the same
  qualified and flagged referrals as the baseline.

Target: under 10 s for 100,000 referrals and 20,000 qualifying deals.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Connection, insert, text
from sqlmodel import Session

from bench._support import report
from partnerflow.db import make_engine, migrate
from partnerflow.models import (
    Customer,
    Referral,
    ReferralReward,
    Registration,
    SponsorInvitation,
)
from partnerflow.policy import ReferralProgrammePolicy, load_policy
from partnerflow.policy.kinds.referral_programme import Reward
from partnerflow.referrals.qualification import qualify_referrals
from partnerflow.settings import PROJECT_ROOT

SPONSORS = 10_000
NOW = datetime(2026, 11, 30, 6, tzinfo=UTC)


def build(connection: Connection, referrals: int, deals: int) -> None:
    """The generated programme (see the module docstring)."""
    rng = random.Random(16)
    connection.execute(
        insert(Customer.__table__),  # type: ignore[attr-defined]
        [
            {
                "customer_key": f"domain:sponsor{n}.example",
                "name": f"Sponsor {n}",
                "email": f"buy@sponsor{n}.example",
                "locale": "fr",
                "purchases": 3,
                "revenue": Decimal(50_000),
                "updated_at": NOW,
            }
            for n in range(SPONSORS)
        ],
    )
    connection.execute(
        insert(SponsorInvitation.__table__),  # type: ignore[attr-defined]
        [
            {
                "customer_id": n + 1,
                "code": f"C{n:07d}",
                "cohort": "pilot",
                "policy_version": "2026-01-01",
                "visits": 0,
                "sent_at": datetime(2026, 1, 2, tzinfo=UTC),
            }
            for n in range(SPONSORS)
        ],
    )
    rows, referred_at = [], {}
    for n in range(referrals):
        sponsor = n % SPONSORS
        key = f"domain:referred{n}.example"
        if n % 997 == 0:
            key = f"domain:sponsor{sponsor}.example"  # self-referral
        elif n % 1499 == 0:
            key = f"domain:sponsor{(sponsor + 1) % SPONSORS}.example"  # a ring: s refers s+1 ...
        elif n % 1499 == 1:
            key = f"domain:sponsor{(sponsor - 1) % SPONSORS}.example"  # ... and s+1 refers s
        created = datetime(2026, 1, 5, 10, tzinfo=UTC) + timedelta(days=rng.randrange(170), minutes=n % 600)
        if n < 1000:  # 50 busy sponsors: 20 referrals each in January, over the monthly limit
            sponsor, created = n % 50, datetime(2026, 1, 2 + n % 28, 10, tzinfo=UTC)
        referred_at[n] = created
        rows.append(
            {
                "invitation_id": sponsor + 1,
                "company": f"Referred {n}",
                "contact_name": "Contact",
                "contact_email": f"contact@referred{n}.example",
                "customer_key": key,
                "status": "pending",
                "flags": [],
                "created_at": created,
                "domain": key.split(":")[1],
            }
        )
    connection.execute(insert(Referral.__table__), rows)  # type: ignore[attr-defined]
    deal_rows = []
    for n in rng.sample(range(referrals), deals):
        key = rows[n]["customer_key"]
        closed = (referred_at[n] + timedelta(days=rng.randrange(1, 150))).date()
        amount = Decimal(rng.randrange(2_000, 4_999) if n % 10 == 0 else rng.randrange(5_000, 90_000))
        deal_rows.append(_deal(key, closed, amount))
        if n % 50 == 3:  # bought before the referral: already a customer
            deal_rows.append(_deal(key, (referred_at[n] - timedelta(days=40)).date(), Decimal(12_000)))
    connection.execute(insert(Registration.__table__), deal_rows)  # type: ignore[attr-defined]


def _deal(key: str, closed: date, amount: Decimal) -> dict[str, Any]:
    return {
        "status": "won",
        "customer_name": key,
        "customer_key": key,
        "customer_departement": "69",
        "product_lines": ["network"],
        "amount": amount,
        "closed_amount": amount,
        "closed_on": closed,
        "currency": "EUR",
        "submission": {},
        "facts": {},
        "reason_texts": {},
        "problems": [],
        "submitted_at": datetime.combine(closed - timedelta(days=30), datetime.min.time(), UTC),
        "notes": "",
        "created_at": NOW,
    }


HAND_SQL = text(
    """
    WITH candidates AS (
      SELECT r.id AS rid, r.invitation_id, r.customer_key, r.created_at, r.domain,
             g.id AS gid, g.closed_on, COALESCE(g.closed_amount, g.amount) AS amount,
             ROW_NUMBER() OVER (PARTITION BY r.id ORDER BY g.closed_on, g.id) AS n
      FROM referral r
      JOIN registration g ON g.customer_key = r.customer_key AND g.status = 'won'
       AND COALESCE(g.closed_amount, g.amount) >= :min_amount
       AND g.closed_on >= date(r.created_at) AND g.closed_on <= date(r.created_at, :window)
      WHERE r.status = 'pending'
    ),
    first_won AS (
      SELECT customer_key, min(closed_on) AS day FROM registration WHERE status = 'won' GROUP BY customer_key
    ),
    per_month AS (
      SELECT invitation_id, strftime('%Y-%m', created_at) AS month, count(*) AS referrals
      FROM referral GROUP BY invitation_id, month
    ),
    pairs AS (
      SELECT x.id, xc.customer_key AS sponsor_key, x.customer_key AS referred_key
      FROM referral x JOIN sponsorinvitation xi ON xi.id = x.invitation_id
      JOIN customer xc ON xc.id = xi.customer_id
    )
    SELECT f.rid, f.gid, f.amount, f.closed_on, c.customer_key AS sponsor_key, f.customer_key,
      (f.customer_key = c.customer_key OR f.domain = substr(c.email, instr(c.email, '@') + 1)) AS self_ref,
      COALESCE(w.day < date(f.created_at), 0) AS known,
      m.referrals > :per_month AS busy,
      EXISTS (SELECT 1 FROM pairs p WHERE p.sponsor_key = f.customer_key AND p.referred_key = c.customer_key
              AND p.id != f.rid) AS ring
    FROM candidates f
    JOIN sponsorinvitation i ON i.id = f.invitation_id
    JOIN customer c ON c.id = i.customer_id
    LEFT JOIN first_won w ON w.customer_key = f.customer_key
    JOIN per_month m ON m.invitation_id = f.invitation_id AND m.month = strftime('%Y-%m', f.created_at)
    WHERE f.n = 1
    ORDER BY f.rid
    """
)


def hand_written(connection: Connection, policy: ReferralProgrammePolicy) -> tuple[set[int], set[int]]:
    """The baseline: one statement, then multi-row writes; returns (qualified, flagged) ids."""
    found = connection.execute(
        HAND_SQL,
        {
            "min_amount": float(policy.qualification.min_amount),
            "window": f"+{policy.qualification.within_days} days",
            "per_month": policy.fraud.max_referrals_per_sponsor_per_month,
        },
    ).all()
    rewards, qualified, flagged = [], set(), set()
    first_valid: dict[str, int] = {}  # one referral qualifies per company: the oldest valid one
    for rid, _gid, amount, closed_on, sponsor_key, referred_key, self_ref, known, busy, ring in found:
        is_flagged = bool(self_ref or known or busy or ring)
        is_flagged = is_flagged or first_valid.setdefault(referred_key, rid) != rid
        (flagged if is_flagged else qualified).add(rid)
        payable = date.fromisoformat(str(closed_on)) + timedelta(days=policy.rewards.hold_days)
        for side, key, reward in (
            ("sponsor", sponsor_key, policy.rewards.sponsor),
            ("referred", "k", policy.rewards.referred),
        ):
            rewards.append(
                {
                    "referral_id": rid,
                    "side": side,
                    "customer_key": key,
                    "amount": _amount(reward, Decimal(amount)),
                    "currency": "EUR",
                    "status": "flagged" if is_flagged else "held",
                    "payable_from": payable,
                    "explanation": "",
                    "policy_version": "bench",
                    "created_at": NOW,
                }
            )
    if qualified:  # an executemany of nothing is an error, not a no-op
        connection.execute(insert(ReferralReward.__table__), rewards)  # type: ignore[attr-defined]
        connection.execute(
            text("UPDATE referral SET status = 'qualified' WHERE id = :rid"),
            [{"rid": rid} for rid in qualified],
        )
    return qualified, flagged


def _amount(reward: Reward, deal: Decimal) -> Decimal:
    value = deal * Decimal(str(reward.percent)) if reward.percent else reward.amount
    return min(value, reward.cap) if reward.cap is not None else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--deals", type=int, default=20_000)
    options = parser.parse_args()
    policy = load_policy("referral_programme", NOW.date(), PROJECT_ROOT / "policies")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/referrals.db"
        migrate(url)
        engine = make_engine(url)
        started = time.perf_counter()
        with engine.begin() as connection:
            build(connection, options.referrals, options.deals)
        print(f"generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)

        with engine.connect() as connection:
            started = time.perf_counter()
            transaction = connection.begin()
            expected_qualified, expected_flagged = hand_written(connection, policy.document)
            baseline = time.perf_counter() - started
            transaction.rollback()

        started = time.perf_counter()
        with Session(engine) as session:
            result = qualify_referrals(session, policy, now=NOW)
            session.commit()
        value = time.perf_counter() - started
        with engine.connect() as connection:
            statuses = dict(
                connection.execute(text("SELECT status, count(*) FROM referral GROUP BY status")).all()
            )
            rewards = connection.execute(text("SELECT count(*) FROM referralreward")).scalar_one()
    same = (result.qualified, result.flagged) == (len(expected_qualified), len(expected_flagged))
    print(
        f"qualified {result.qualified}, flagged {result.flagged} (hand SQL: {len(expected_qualified)}, "
        f"{len(expected_flagged)}); referrals by status {statuses}; {rewards} rewards",
        file=sys.stderr,
    )
    report(
        "referrals",
        value=value,
        unit="s",
        baseline=baseline,
        target=10.0,
        higher_is_better=False,
        referrals=options.referrals,
        qualified=result.qualified,
        flagged=result.flagged,
        same_as_hand_sql=same,
    )


if __name__ == "__main__":
    main()
