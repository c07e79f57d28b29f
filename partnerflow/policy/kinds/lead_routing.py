"""The lead_routing kind: which resellers may receive a lead, how they are ranked, how long one
has to accept it, and how often it may be passed on.

Eligibility and ranking are settings, not CEL, because they are evaluated for every candidate of
every lead (100,000 leads a batch); the rules decide per lead whether it is routed at all or goes
straight to the département's channel manager (no consent, a product line not sold through
resellers), with the reason the manager reads.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from partnerflow.models import PartnerTier
from partnerflow.policy.schema import Action, Duration, PolicyDocument, Ratio, Rule, Strict
from partnerflow.territories import CODES

RoutingOutcome = Literal["route", "manager"]


class RoutingAction(Action):
    outcome: RoutingOutcome


class RoutingRule(RoutingAction, Rule):
    pass


class Eligibility(Strict):
    """Who may receive a lead (every condition must hold)."""

    neighbours: dict[str, list[str]] = Field(
        default_factory=dict,
        description="département -> neighbouring départements whose resellers may also receive its leads",
    )
    certification_required: list[str] = Field(
        default_factory=list, description="product lines only a certified reseller may receive"
    )
    capacity_per_30_days: dict[PartnerTier, int] = Field(
        description="leads a reseller of each tier may receive in any 30 days (Odoo's assignment capacity)"
    )

    @field_validator("neighbours")
    @classmethod
    def _official_codes(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for code, others in value.items():
            for name in (code, *others):
                if name not in CODES:
                    raise ValueError(f"{name!r} is not a French département (INSEE code)")
            if code in others:
                raise ValueError(f"département {code} is listed as its own neighbour")
        return value


class Ranking(Strict):
    """How eligible resellers are ordered: the reseller furthest behind its pro-rata yearly floor
    first; then the KPI score, the tier weight, the remaining capacity; then a tie-break that
    is deterministic per lead (a hash of lead and reseller, so no reseller wins every tie)."""

    tier_weight: dict[PartnerTier, float] = Field(description="a higher weight ranks first among equals")
    floor_due_by_month: int = Field(
        default=12,
        ge=1,
        le=12,
        description="the yearly floor is due in full by the end of this month (11: December is a buffer "
        "for the leads a reseller still misses)",
    )
    kpi_score_without_history: Ratio = Field(
        default=1.0, description="the score of a reseller without a lead yet this year (benefit of the doubt)"
    )


class Acceptance(Strict):
    working_hours: int = Field(ge=1, le=24 * 30, description="hours of working days a reseller has to accept")
    timezone: str = "Europe/Paris"
    holidays_country: str = Field(default="FR", pattern=r"^[A-Z]{2}$")
    remind_at: Ratio = Field(default=0.5, description="the share of the deadline after which it is reminded")
    status_within: Duration = Field(
        default=timedelta(days=14), description="an accepted lead without a status after this is reminded"
    )


class LeadRoutingPolicy(PolicyDocument[RoutingAction]):
    KIND: ClassVar[str] = "lead_routing"
    OUTCOMES: ClassVar[tuple[str, ...]] = ("route", "manager")
    VOCABULARY: ClassVar[dict[str, dict[str, Any]]] = {
        "lead": {
            "departement": str,
            "product_lines": list,
            "source": str,
            "consent": bool,
            "passes": int,
        },
        "policy": {"yearly_floor": int, "max_passes": int},
    }

    yearly_floor: int = Field(ge=0, le=1000, description="leads each active reseller should receive a year")
    max_passes: int = Field(ge=0, le=20, description="times a lead may be passed on before a manager decides")
    eligibility: Eligibility
    ranking: Ranking
    acceptance: Acceptance
    rules: list[RoutingRule]

    @model_validator(mode="after")
    def _every_tier_weighed(self) -> LeadRoutingPolicy:
        for name, table in (
            ("eligibility.capacity_per_30_days", self.eligibility.capacity_per_30_days),
            ("ranking.tier_weight", self.ranking.tier_weight),
        ):
            missing = [tier.value for tier in PartnerTier if tier not in table]
            if missing:
                raise ValueError(f"{name} has no value for tier(s) {', '.join(missing)}")
        return self

    def facts_for_rules(self) -> dict[str, Any]:
        return {"policy": {"yearly_floor": self.yearly_floor, "max_passes": self.max_passes}}
