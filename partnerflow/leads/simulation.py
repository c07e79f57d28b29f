"""What a candidate lead_routing policy would have done with a year's leads, beside the policy
in force: the year's leads replayed in the order they came, over the resellers active today,
from zero.

An offer a reseller let pass (withdrawn or declined) in the real year is replayed as passed on
with that reseller's observed rate (a seeded draw: the same inputs give the same figures), so
the number of passes-on is an estimate, the rest is the policy's arithmetic. Nothing is written.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pygal
from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from partnerflow.charts import chart_options, inline_svg
from partnerflow.leads.distribution import standings
from partnerflow.leads.routing import LeadToRoute, Router, Standing
from partnerflow.models import Lead, LeadTurn, TurnState
from partnerflow.policy import LeadRoutingPolicy, Policy

PASSED = (TurnState.WITHDRAWN, TurnState.DECLINED)


@dataclass(frozen=True)
class Year:
    """A year's leads and the resellers to replay them over."""

    year: int
    leads: list[LeadToRoute]
    resellers: list[Standing]
    pass_rates: dict[int, float]  # reseller -> share of its offers it let pass that year


@dataclass
class Simulated:
    policy: str
    received: dict[int, int] = field(default_factory=dict)  # reseller -> leads offered
    to_manager: int = 0
    passes: int = 0
    per_departement: dict[str, list[int]] = field(default_factory=dict)  # leads each of its resellers got

    def spread(self) -> dict[str, float]:
        return spread(list(self.received.values()))

    def below(self, floor: int) -> int:
        return sum(count < floor for count in self.received.values())

    def as_dict(self, floor: int) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "offered": sum(self.received.values()),
            "to_manager": self.to_manager,
            "passes_on": self.passes,
            "resellers": len(self.received),
            "below_floor": self.below(floor),
            "spread": self.spread(),
            "departements": {
                code: {
                    "resellers": len(got),
                    "min": min(got),
                    "median": statistics.median(got),
                    "max": max(got),
                }
                for code, got in sorted(self.per_departement.items())
                if got
            },
        }


def spread(counts: list[int]) -> dict[str, float]:
    """Leads per reseller summed up: min, median, max and the Gini coefficient (0: all equal)."""
    ordered = sorted(counts)
    if not ordered:
        return {"min": 0, "median": 0, "max": 0, "gini": 0.0}
    total = sum(ordered) or 1
    weighted = sum(rank * count for rank, count in enumerate(ordered, start=1))
    gini = 2 * weighted / (len(ordered) * total) - (len(ordered) + 1) / len(ordered)
    return {
        "min": ordered[0],
        "median": statistics.median(ordered),
        "max": ordered[-1],
        "gini": round(gini, 3),
    }


def load_year(session: Session, year: int) -> Year:
    """The leads received in ``year`` (any state) and today's active resellers, from zero."""
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    rows = session.connection().execute(
        sa_select(
            col(Lead.id),
            col(Lead.departement),
            col(Lead.product_lines),
            col(Lead.source),
            col(Lead.consent),
            col(Lead.received_at),
        )
        .where(col(Lead.received_at) >= start, col(Lead.received_at) < end)
        .order_by(col(Lead.received_at), col(Lead.id))
    )
    leads = [
        LeadToRoute(lead_id, code, tuple(lines), source, bool(consent), 0, frozenset(), at)
        for lead_id, code, lines, source, consent, at in rows
    ]
    offers: Counter[int] = Counter()
    passed: Counter[int] = Counter()
    for reseller_id, state, count in session.connection().execute(
        sa_select(col(LeadTurn.reseller_id), col(LeadTurn.state), func.count())
        .where(col(LeadTurn.received_at) >= start, col(LeadTurn.received_at) < end)
        .where(col(LeadTurn.state) != TurnState.RECORDED)
        .group_by(col(LeadTurn.reseller_id), col(LeadTurn.state))
    ):
        offers[reseller_id] += count
        passed[reseller_id] += count if state in PASSED else 0
    resellers = standings(session, end - timedelta(seconds=1))
    rates = {reseller: passed[reseller] / offers[reseller] for reseller in offers}
    return Year(year, leads, resellers, rates)


def simulate(policy: Policy[LeadRoutingPolicy], year: Year, *, seed: int = 2026) -> Simulated:
    """Replay ``year`` under ``policy`` (see the module doc)."""
    fresh = [replace(standing, received=0, recent=deque()) for standing in year.resellers]
    for standing in fresh:
        if standing.score < 0:
            standing.score = policy.document.ranking.kpi_score_without_history
    router = Router(policy, fresh)
    rng = random.Random(seed)
    result = Simulated(policy.stamp.version, received={standing.reseller_id: 0 for standing in fresh})
    hours = timedelta(hours=policy.document.acceptance.working_hours)
    for lead in year.leads:
        at = lead.received_at or datetime(year.year, 1, 1, tzinfo=UTC)
        current = lead
        while True:
            routed = router.route(current, at)
            if routed.reseller_id is None:
                result.to_manager += 1
                break
            result.received[routed.reseller_id] += 1
            if rng.random() >= year.pass_rates.get(routed.reseller_id, 0.0):
                break
            result.passes += 1
            at += hours  # passed on after the deadline (calendar hours: close enough for a replay)
            current = replace(
                current, passes=current.passes + 1, had_it=current.had_it | {routed.reseller_id}
            )
    departements: dict[str, list[int]] = defaultdict(list)
    for standing in fresh:
        departements[standing.departement].append(result.received[standing.reseller_id])
    result.per_departement = dict(departements)
    return result


BUCKETS = ((0, 4), (5, 9), (10, 19), (20, 49), (50, None))


def write_report(directory: Path, year: int, floor: int, runs: list[Simulated]) -> Path:
    """``lead-routing-simulation-<year>.html``: leads per reseller under each policy, drawn."""
    chart = pygal.Bar(**chart_options(f"Resellers by leads received in {year}", x_title="leads a reseller"))
    chart.x_labels = [f"{low}+" if high is None else f"{low}–{high}" for low, high in BUCKETS]
    for run in runs:
        counts = list(run.received.values())
        chart.add(
            f"lead_routing {run.policy}",
            [sum(low <= c and (high is None or c <= high) for c in counts) for low, high in BUCKETS],
        )
    page = _PAGES.get_template("simulation.html.j2").render(
        year=year, floor=floor, runs=[run.as_dict(floor) for run in runs], chart=inline_svg(chart)
    )
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"lead-routing-simulation-{year}.html"
    path.write_text(page, encoding="utf-8")
    return path


_PAGES = Environment(
    loader=PackageLoader("partnerflow.leads", "templates"), autoescape=True, undefined=StrictUndefined
)
