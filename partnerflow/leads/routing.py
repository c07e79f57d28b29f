"""Which reseller is offered a lead, and why: the lead_routing policy applied in memory.

The router holds every active reseller's standing (leads received this year, receptions in the
last 30 days, KPI score) and updates it as it assigns, so a batch of 100,000 leads is routed in
one pass without a query per lead. Ranking, best first:

1. furthest behind its pro-rata yearly floor, rounded up (10 a year due by the end of November:
   the 6th lead is due from mid-June on), so every reseller has its floor before the year ends
   when its zone's volume allows;
2. the lowest load for its weight: leads received this year over (tier weight x KPI score, the
   mean of its open, processing and closing rates): beyond the floor a gold reseller that works
   its leads well receives more than a silver one that does not, in proportion, never all of
   them (ranking by tier alone gave the platinum resellers 300 leads and left the rest at 10);
3. the more capacity left in the last 30 days;
4. a hash of (lead, reseller): deterministic, and no reseller wins every tie.

Pure: no database, no clock; the caller passes the lead's time.
"""

from __future__ import annotations

import heapq
import math
import zlib
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from partnerflow.leads.working_hours import add_working_hours
from partnerflow.models import PartnerTier
from partnerflow.policy import Decision, LeadRoutingPolicy, Policy, RoutingAction

WINDOW = timedelta(days=30)
SHOWN = 3  # candidates kept in a turn's "why this reseller"
NO_CANDIDATE = "no-candidate"
MIN_SCORE = 0.05  # a reseller that opens nothing still gets its floor, and little beyond it


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
    capacity: int = 0  # leads in any 30 days, by its tier (set by the router)
    per_lead: float = 0.0  # 1 / (tier weight x KPI score): its load grows by this per lead
    salt: int = 0  # its part of the per-lead tie-break
    shown_score: float = 0.0  # its KPI score as a turn's ranking shows it (rounded once a run)


@dataclass(frozen=True)
class LeadToRoute:
    id: str
    departement: str
    product_lines: tuple[str, ...]
    source: str
    consent: bool
    passes: int
    had_it: frozenset[int] = frozenset()  # resellers that already had a turn: never offered again
    received_at: datetime | None = None


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
        self._policy_facts = self.document.facts_for_rules()  # read by reasons: part of the memo key
        by_departement: dict[str, list[Standing]] = {}
        for standing in resellers:
            by_departement.setdefault(standing.departement, []).append(standing)
        self._local = by_departement
        self._zones: dict[tuple[str, bool], list[Standing]] = {}
        self._everyone = resellers
        self._year: int | None = None
        capacity, weight = self.document.eligibility.capacity_per_30_days, self.document.ranking.tier_weight
        for standing in resellers:
            standing.capacity = capacity[standing.tier]
            standing.per_lead = 1 / (weight[standing.tier] * max(standing.score, MIN_SCORE))
            standing.salt = _mixed(standing.reseller_id)
            standing.shown_score = round(standing.score, 3)
        self._certified_lines = frozenset(self.document.eligibility.certification_required)

    def _zone(self, departement: str, certified_only: bool) -> list[Standing]:
        """Resellers of the département and of the neighbours the policy lists for it (only the
        certified ones for a lead that needs it), listed once per département for the batch."""
        zone = self._zones.get((departement, certified_only))
        if zone is None:
            zone = list(self._local.get(departement, ()))
            for neighbour in self.document.eligibility.neighbours.get(departement, ()):
                zone.extend(self._local.get(neighbour, ()))
            if certified_only:
                zone = [standing for standing in zone if standing.certified]
            self._zones[(departement, certified_only)] = zone
        return zone

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
                },
                **self._policy_facts,
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
        """The eligible candidates, best first, the first ``SHOWN`` with their figures.

        About 29 candidates a lead in the benchmark's year: the loop is the router's hot path,
        so each candidate is one plain tuple compared as a whole (its key, then the reseller's
        id, unique, so the standing itself is never compared)."""
        pro_rata = self.document.yearly_floor * _share_of_year(at, self.document.ranking.floor_due_by_month)
        due = math.ceil(pro_rata)  # the lead the floor will ask for next is due now, not at year end
        needs_certificate = bool(self._certified_lines.intersection(lead.product_lines))
        expired = at - WINDOW
        keyed: list[tuple[int, float, int, int, int, Standing]] = []
        seed, had_it = _mixed(zlib.crc32(lead.id.encode())), lead.had_it
        for standing in self._zone(lead.departement, needs_certificate):
            if had_it and standing.reseller_id in had_it:
                continue
            recent = standing.recent
            while recent and recent[0] <= expired:
                recent.popleft()
            left = standing.capacity - len(recent)
            if left <= 0:
                continue
            received = standing.received
            # (seed XOR salt) orders the candidates differently for each lead, each pair 50/50
            keyed.append(
                (
                    received - due if received < due else 0,  # minus how far behind the floor
                    received * standing.per_lead,
                    -left,
                    seed ^ standing.salt,
                    standing.reseller_id,
                    standing,
                )
            )
        best = heapq.nsmallest(SHOWN, keyed) if len(keyed) > SHOWN else sorted(keyed)
        shown_floor = round(pro_rata, 2)
        return [(_why(candidate, shown_floor), candidate[-1]) for candidate in best]


def _why(candidate: tuple[int, float, int, int, int, Standing], shown_floor: float) -> dict[str, Any]:
    """One line of a turn's "why this reseller": the figures it was ranked on."""
    minus_behind, load, minus_left, _tie, _id, standing = candidate
    return {
        "reseller_id": standing.reseller_id,
        "departement": standing.departement,
        "received_this_year": standing.received,
        "pro_rata_floor": shown_floor,
        "behind": -minus_behind,
        "kpi_score": standing.shown_score,
        "tier": standing.tier.value,
        "load": round(load, 3),
        "capacity_left": -minus_left,
    }


def _mixed(value: int) -> int:
    """MurmurHash3's 32-bit finaliser: the tie-break of (lead, reseller), deterministic in every
    process (unlike ``hash``) and well mixed, so no reseller id wins ties more often than another
    (a bare CRC of "lead:reseller" did: it is linear in its input)."""
    value &= 0xFFFFFFFF
    value ^= value >> 16
    value = (value * 0x85EBCA6B) & 0xFFFFFFFF
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & 0xFFFFFFFF
    return value ^ (value >> 16)


def _share_of_year(at: datetime, due_by_month: int) -> float:
    """How much of the yearly floor is due at ``at``: all of it from the end of ``due_by_month``."""
    start = datetime(at.year, 1, 1, tzinfo=at.tzinfo)
    end = (
        datetime(at.year + 1, 1, 1, tzinfo=at.tzinfo)
        if due_by_month == 12
        else datetime(at.year, due_by_month + 1, 1, tzinfo=at.tzinfo)
    )
    return min(1.0, (at - start) / (end - start))


def _no_candidate(lead: LeadToRoute) -> dict[str, str]:
    return {
        "fr": f"Aucun revendeur éligible pour le département {lead.departement} : "
        "le responsable de canal décide.",
        "en": f"No eligible reseller for département {lead.departement}: the channel manager decides.",
    }
