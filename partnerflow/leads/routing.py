"""Which reseller is offered a lead, and why: the lead_routing policy applied in memory.

The router holds every active reseller's standing (leads received this year, receptions in the
last 30 days, KPI score) and updates it as it assigns, so a batch of 100,000 leads is routed in
one pass without a query per lead. Ranking, best first:

1. furthest behind its pro-rata yearly floor (10 a year: 5 by July), so every reseller gets its
   floor when its zone's volume allows;
2. the better KPI score (mean of open, processing and closing rates this year);
3. the higher tier weight;
4. the more capacity left in the last 30 days;
5. a hash of (lead, reseller): deterministic, and no reseller wins every tie.

Pure: no database, no clock; the caller passes the lead's time.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from hashlib import blake2b
from typing import Any

from partnerflow.leads.working_hours import add_working_hours
from partnerflow.models import PartnerTier
from partnerflow.policy import Decision, LeadRoutingPolicy, Policy, RoutingAction

WINDOW = timedelta(days=30)
SHOWN = 5  # candidates kept in a turn's "why this reseller"
NO_CANDIDATE = "no-candidate"


@dataclass
class Standing:
    """A reseller as the router sees it; ``received`` and ``recent`` move as leads are assigned."""

    reseller_id: int
    departement: str
    tier: PartnerTier
    certified: bool
    score: float
    received: int  # this year
    recent: deque[datetime] = field(default_factory=deque)  # receptions in the last 30 days, oldest first


@dataclass(frozen=True)
class LeadToRoute:
    id: str
    departement: str
    product_lines: tuple[str, ...]
    source: str
    consent: bool
    passes: int
    had_it: frozenset[int] = frozenset()  # resellers that already had a turn: never offered again


@dataclass(frozen=True)
class Routed:
    """The router's answer for one lead: a reseller (or None: the channel manager decides)."""

    lead_id: str
    at: datetime
    reseller_id: int | None
    rule_id: str
    reasons: dict[str, str]
    ranking: list[dict[str, Any]]
    deadline_at: datetime | None
    remind_at: datetime | None


class Router:
    def __init__(self, policy: Policy[LeadRoutingPolicy], resellers: list[Standing]) -> None:
        self.policy = policy
        self.document = policy.document
        self._decide = policy.memoized()
        by_departement: dict[str, list[Standing]] = {}
        for standing in resellers:
            by_departement.setdefault(standing.departement, []).append(standing)
        self._local = by_departement
        self._everyone = resellers
        self._year: int | None = None
        self._capacity = {
            tier: float(n) for tier, n in self.document.eligibility.capacity_per_30_days.items()
        }
        self._weight = self.document.ranking.tier_weight
        self._certified_lines = frozenset(self.document.eligibility.certification_required)

    def candidates(self, departement: str) -> list[Standing]:
        """Resellers of the département and of the neighbours the policy lists for it."""
        found = list(self._local.get(departement, ()))
        for neighbour in self.document.eligibility.neighbours.get(departement, ()):
            found.extend(self._local.get(neighbour, ()))
        return found

    def route(self, lead: LeadToRoute, at: datetime) -> Routed:
        """Decide ``lead`` received at ``at``; an offer updates the chosen reseller's standing."""
        decision: Decision[RoutingAction] = self._decide(
            {
                "lead": {
                    "departement": lead.departement,
                    "product_lines": list(lead.product_lines),
                    "source": lead.source,
                    "consent": lead.consent,
                    "passes": lead.passes,
                }
            }
        )
        self._new_year_resets(at)
        if decision.outcome != "route":
            return Routed(lead.id, at, None, decision.rule_id, decision.reasons, [], None, None)
        ranked = self._ranked(lead, at)
        if not ranked:
            return Routed(lead.id, at, None, NO_CANDIDATE, _no_candidate(lead), [], None, None)
        chosen = ranked[0][1]
        chosen.received += 1
        chosen.recent.append(at)
        acceptance = self.document.acceptance
        deadline = add_working_hours(
            at, acceptance.working_hours, timezone=acceptance.timezone, country=acceptance.holidays_country
        )
        remind = add_working_hours(
            at,
            acceptance.working_hours * acceptance.remind_at,
            timezone=acceptance.timezone,
            country=acceptance.holidays_country,
        )
        return Routed(
            lead.id,
            at,
            chosen.reseller_id,
            decision.rule_id,
            decision.reasons,
            [row for row, _ in ranked[:SHOWN]],
            deadline,
            remind,
        )

    def _new_year_resets(self, at: datetime) -> None:
        """The floor is yearly: on the first lead of a new year, everyone starts from zero."""
        if self._year is None:
            self._year = at.year
        elif at.year != self._year:
            self._year = at.year
            for standing in self._everyone:
                standing.received = 0

    def _ranked(self, lead: LeadToRoute, at: datetime) -> list[tuple[dict[str, Any], Standing]]:
        pro_rata = self.document.yearly_floor * _share_of_year(at)
        needs_certificate = bool(self._certified_lines.intersection(lead.product_lines))
        keyed = []
        for standing in self.candidates(lead.departement):
            if standing.reseller_id in lead.had_it or (needs_certificate and not standing.certified):
                continue
            while standing.recent and standing.recent[0] <= at - WINDOW:
                standing.recent.popleft()
            left = self._capacity[standing.tier] - len(standing.recent)
            if left <= 0:
                continue
            behind = max(0.0, pro_rata - standing.received)
            weight = self._weight[standing.tier]
            tie = blake2b(f"{lead.id}:{standing.reseller_id}".encode(), digest_size=8).digest()
            key = (-round(behind, 3), -round(standing.score, 3), -weight, -left, tie)
            keyed.append((key, standing))
        keyed.sort(key=lambda pair: pair[0])
        return [(_why(key, standing, pro_rata), standing) for key, standing in keyed]


def _why(key: tuple[Any, ...], standing: Standing, pro_rata: float) -> dict[str, Any]:
    """One line of a turn's "why this reseller": the figures it was ranked on."""
    return {
        "reseller_id": standing.reseller_id,
        "departement": standing.departement,
        "received_this_year": standing.received,
        "pro_rata_floor": round(pro_rata, 2),
        "behind": -key[0],
        "kpi_score": -key[1],
        "tier": standing.tier.value,
        "capacity_left": int(-key[3]),
    }


def _share_of_year(at: datetime) -> float:
    start = datetime(at.year, 1, 1, tzinfo=at.tzinfo)
    end = datetime(at.year + 1, 1, 1, tzinfo=at.tzinfo)
    return (at - start) / (end - start)


def _no_candidate(lead: LeadToRoute) -> dict[str, str]:
    return {
        "fr": f"Aucun revendeur éligible pour le département {lead.departement} : "
        "le responsable de canal décide.",
        "en": f"No eligible reseller for département {lead.departement}: the channel manager decides.",
    }
