"""Decisions per second of the shipped deal policy (CEL) against a hand-written `if` chain.

    uv run python bench/policy_eval.py [--count 100000]

Target: >= 50,000 decisions/s. The baseline is the same rules written as Python `if`s, run on the
same fact sets in the same process, so the ratio says what the YAML + CEL flexibility costs.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import report
from partnerflow.policy import load_file
from partnerflow.settings import PROJECT_ROOT

POLICY = PROJECT_ROOT / "policies" / "deal_registration" / "2026-01-01.yaml"
TARGET = 50_000.0


def fact_sets(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {
            "deal": {
                "amount": rng.choice([5e3, 2e4, 8e4, 1.5e5, 4e5]),
                "currency": "EUR",
                "product_lines": ["network"],
                "customer_departement": "69",
                "days_to_close": rng.randint(10, 400),
                "has_customer_siren": True,
            },
            "partner": {
                "id": 1,
                "tier": rng.choice(["registered", "silver", "gold", "platinum"]),
                "certified": rng.random() < 0.5,
                "status": rng.choice(["active"] * 9 + ["paused"]),
                "territory": "69",
                "in_territory": rng.random() < 0.8,
                "approved_registrations": rng.randint(0, 20),
                "win_rate": rng.random(),
            },
            "conflict": {
                "exists": rng.random() < 0.1,
                "partner_id": 2,
                "product_line": "network",
                "status": rng.choice(["approved", "pending"]),
            },
        }
        for _ in range(count)
    ]


def if_chain(f: dict[str, Any]) -> str:
    deal, partner, conflict = f["deal"], f["partner"], f["conflict"]
    if partner["status"] != "active":
        return "reject"
    if conflict["exists"] and conflict["status"] == "approved":
        return "reject"
    if conflict["exists"]:
        return "review"
    if deal["days_to_close"] > 365:
        return "reject"
    if deal["amount"] > 250000.0:
        return "review"
    if (
        deal["amount"] <= 25000.0
        and partner["tier"] in ("gold", "platinum")
        and partner["certified"]
        and partner["in_territory"]
    ):
        return "approve"
    if (
        deal["amount"] <= 100000.0
        and partner["tier"] != "registered"
        and partner["win_rate"] >= 0.3
        and partner["approved_registrations"] >= 5
    ):
        return "approve"
    return "review"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    facts = fact_sets(args.count)
    policy = load_file(POLICY)

    start = time.perf_counter()
    expected = [if_chain(f) for f in facts]
    baseline_seconds = time.perf_counter() - start

    start = time.perf_counter()
    decided = [policy.decide(f).outcome for f in facts]
    policy_seconds = time.perf_counter() - start

    mismatches = sum(a != b for a, b in zip(expected, decided, strict=True))
    print(
        f"{args.count} fact sets: CEL policy {policy_seconds:.2f} s, if chain {baseline_seconds:.3f} s, "
        f"{mismatches} disagreements"
    )
    report(
        "policy_eval",
        value=args.count / policy_seconds,
        unit="decisions/s",
        baseline=args.count / baseline_seconds,
        target=TARGET,
        disagreements=mismatches,
    )
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
