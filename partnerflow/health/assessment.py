"""Health per partner, explained: the ``partner_health`` policy over the facts the database counted.

Each partner gets a level (healthy, watch, at-risk), the rule that set it, and the drivers found:
which of the six causes of attrition each points to, why (in French and English, the reader's
language), and the action the policy suggests.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from partnerflow.health.facts import PartnerFacts, Window, health_facts
from partnerflow.locales import RECORD_LOCALE, text_in
from partnerflow.policy import PartnerHealthPolicy, Policy, PolicyStamp
from partnerflow.policy.conditions import render_reason

LEVELS = ("at-risk", "watch", "healthy")  # worst first


@dataclass(frozen=True)
class FoundDriver:
    id: str
    cause: str
    weight: int
    action: str
    reasons: dict[str, str]

    def reason_in(self, locale: str) -> str:
        return text_in(self.reasons, locale, self.reasons.get(RECORD_LOCALE, ""))


@dataclass(frozen=True)
class PartnerHealth:
    partner_id: int
    name: str
    territory_code: str
    level: str
    rule_id: str
    reasons: dict[str, str]
    drivers: tuple[FoundDriver, ...]
    facts: dict[str, Any]
    stamp: PolicyStamp

    def reason_in(self, locale: str) -> str:
        return text_in(self.reasons, locale, self.reasons.get(RECORD_LOCALE, ""))


def assess_partners(
    session: Session, policy: Policy[PartnerHealthPolicy], as_of: datetime, partner_id: int | None = None
) -> list[PartnerHealth]:
    """Every active partner's health (or ``partner_id``'s) at ``as_of``, worst level first."""
    partners = health_facts(session, Window(as_of, policy.document.windows), partner_id)
    assessed = [assess(policy, partner) for partner in partners]
    return sorted(assessed, key=lambda health: (LEVELS.index(health.level), health.partner_id))


def assess(policy: Policy[PartnerHealthPolicy], partner: PartnerFacts) -> PartnerHealth:
    """One partner: the drivers that hold, then the level over them."""
    document = policy.document
    facts = {"partner": partner.facts, **document.facts_for_rules()}
    found = document.drivers_holding(facts)
    facts.update(document.health_facts(found))
    decision = policy.decide(facts)
    drivers = tuple(
        FoundDriver(
            driver.id,
            driver.outcome,
            driver.weight,
            driver.action,
            {locale: render_reason(text, facts) for locale, text in driver.reason_templates().items()},
        )
        for driver in found
    )
    return PartnerHealth(
        partner.partner_id,
        partner.name,
        partner.territory_code,
        decision.outcome,
        decision.rule_id,
        decision.reasons,
        drivers,
        partner.facts,
        decision.stamp,
    )


def levels_count(assessed: list[PartnerHealth]) -> dict[str, int]:
    counted = Counter(health.level for health in assessed)
    return {level: counted.get(level, 0) for level in LEVELS}


def causes_count(assessed: list[PartnerHealth]) -> dict[str, int]:
    """How many partners show at least one driver of each cause."""
    counted = Counter(cause for health in assessed for cause in {driver.cause for driver in health.drivers})
    return dict(counted.most_common())
