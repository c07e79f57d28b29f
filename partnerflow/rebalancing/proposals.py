"""From KPIs to proposals: each active reseller classified by the policy (keep, coach, pause,
route more: the vendor sent it fewer leads than it owes; with the rule that fired), then each of
the 101 départements' coverage (those without a reseller too) after the proposed pauses compared
with the band and the lead target (recruit, thin out, balanced)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from partnerflow.leads.kpis import ResellerKpis, departement_leads, reseller_kpis
from partnerflow.locales import RECORD_LOCALE
from partnerflow.models import PartnerStatus
from partnerflow.policy import Decision, Policy, RebalancingAction, RebalancingPolicy
from partnerflow.policy.conditions import render_reason
from partnerflow.policy.errors import PolicyEvaluationError
from partnerflow.policy.schema import Action
from partnerflow.territories import DEPARTEMENTS


@dataclass(frozen=True)
class ResellerProposal:
    kpis: ResellerKpis
    outcome: str
    rule_id: str
    reason: str
    criteria_missed: int
    months_active: int
    reasons: dict[str, str] = field(default_factory=dict)  # the reason in each locale

    def as_row(self) -> dict[str, Any]:
        k = self.kpis
        return {
            "partner_id": k.partner_id,
            "name": k.name,
            "departement": k.departement,
            "tier": k.tier,
            "leads": k.leads,
            "open_rate": round(k.open_rate, 4),
            "processing_rate": round(k.processing_rate, 4),
            "closing_rate": round(k.closing_rate, 4),
            "sold": k.sold,
            "conversion": round(k.conversion, 4),
            "criteria_missed": self.criteria_missed,
            "months_active": self.months_active,
            "outcome": self.outcome,
            "rule_id": self.rule_id,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Coverage:
    departement: str
    name: str
    active: int
    proposed_pauses: int
    active_after: int
    leads: int
    leads_per_reseller_after: float
    recommendation: str  # recruit, thin-out, balanced
    detail: str
    rule_id: str


@dataclass(frozen=True)
class RebalancingPlan:
    year: int
    resellers: list[ResellerProposal]
    coverage: list[Coverage]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for proposal in self.resellers:
            counts[proposal.outcome] += 1
        return dict(counts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "counts": self.counts(),
            "resellers": [proposal.as_row() for proposal in self.resellers],
            "departements": [asdict(c) for c in self.coverage],
        }


def judged_on(year: int) -> date:
    """A year is judged by the rules in force on its last day: the day to load them for."""
    return date(year, 12, 31)


def plan_rebalancing(session: Session, year: int, policy: Policy[RebalancingPolicy]) -> RebalancingPlan:
    """The proposals for ``year`` (leads received that calendar year); nothing is written."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    kpis = reseller_kpis(session, start, end)
    decide = policy.memoized()
    active = [k for k in kpis if k.status == PartnerStatus.ACTIVE]
    resellers = [classify(k, year, policy.document, decide) for k in active]
    names = {code: name for code, name, _region in DEPARTEMENTS}  # every one, resellers or not
    leads = departement_leads(session, start, end)
    return RebalancingPlan(year, resellers, coverage(resellers, leads, names, policy.document))


def classify(kpis: ResellerKpis, year: int, document: RebalancingPolicy, decide: Any) -> ResellerProposal:
    """One reseller's facts, and the policy's decision on them."""
    t = document.thresholds
    missed = sum(
        (
            kpis.open_rate < t.min_open_rate,
            kpis.processing_rate < t.min_processing_rate,
            kpis.closing_rate < t.closing_rate.min
            or (t.closing_above_band_is_a_miss and kpis.closing_rate > t.closing_rate.max),
        )
    )
    months = months_active(kpis.joined_on, year)
    facts = {
        "reseller": {
            "leads": kpis.leads,
            "open_rate": kpis.open_rate,
            "processing_rate": kpis.processing_rate,
            "closing_rate": kpis.closing_rate,
            "criteria_missed": missed,
            "tier": kpis.tier,
            "years_in_programme": year - kpis.joined_on.year if kpis.joined_on else 0,
            "months_active": months,
        }
    }
    decision: Decision[RebalancingAction] = decide(facts)
    return ResellerProposal(
        kpis, decision.outcome, decision.rule_id, decision.reason or "", missed, months, decision.reasons
    )


def months_active(joined_on: date | None, year: int) -> int:
    """Months of ``year`` the reseller was in the programme (unknown join date: the whole year)."""
    if joined_on is None or joined_on.year < year:
        return 12
    if joined_on.year > year:
        return 0
    return 13 - joined_on.month


def coverage(
    resellers: list[ResellerProposal],
    leads: dict[str, int],
    names: dict[str, str],
    document: RebalancingPolicy,
) -> list[Coverage]:
    """Per département, the policy's coverage rules over the active count after the proposed
    pauses and the year's leads (counted by the database) per remaining reseller."""
    active: dict[str, int] = defaultdict(int)
    pauses: dict[str, int] = defaultdict(int)
    for proposal in resellers:
        active[proposal.kpis.departement] += 1
        pauses[proposal.kpis.departement] += proposal.outcome == "pause"
    rows = []
    for code in sorted(set(names) | set(active) | set(leads)):
        after = active[code] - pauses[code]
        received = leads.get(code, 0)
        per_reseller = received / after if after else float(received)
        facts = {
            "departement": {
                "active": active[code],
                "proposed_pauses": pauses[code],
                "active_after": after,
                "leads": received,
                "leads_per_reseller_after": per_reseller,
            },
            **document.facts_for_rules(),
        }
        rule_id, action = _first_coverage_rule(document, facts)
        rows.append(
            Coverage(
                code,
                names.get(code, code),
                active[code],
                pauses[code],
                after,
                received,
                round(per_reseller, 2),
                action.outcome,
                render_reason(action.reason_templates().get(RECORD_LOCALE, ""), facts),
                rule_id,
            )
        )
    return rows


def _first_coverage_rule(document: RebalancingPolicy, facts: dict[str, Any]) -> tuple[str, Action]:
    for rule in document.coverage.rules:
        try:
            holds = rule.program.execute(facts)
        except (KeyError, TypeError, ValueError, RuntimeError) as error:
            raise PolicyEvaluationError(
                f"coverage rule {rule.id}: cannot evaluate {rule.when!r}: {error}"
            ) from None
        if holds is True:
            return rule.id, rule
    return "default", document.coverage.default
