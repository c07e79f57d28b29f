"""The rebalancing kind: the yearly lead KPIs' bands, per-reseller rules, coverage per département.

Thresholds and rates live in the YAML files; this module only says what a file may contain.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from partnerflow.policy.schema import Action, PolicyDocument, Ratio, Rule, Strict

RebalancingOutcome = Literal["keep", "coach", "pause", "route-more"]


class RebalancingAction(Action):
    outcome: RebalancingOutcome


class RebalancingRule(RebalancingAction, Rule):
    pass


class Band(Strict):
    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class RebalancingThresholds(Strict):
    resellers_per_territory: Band
    min_leads_per_year: int = Field(ge=0)
    min_open_rate: Ratio
    min_processing_rate: Ratio
    closing_rate: Band
    min_months_active: int = Field(
        default=0, ge=0, le=12, description="months of the year in the programme before a reseller is judged"
    )
    closing_above_band_is_a_miss: bool = Field(
        default=True,
        description=(
            "true in the 2026 versions: closing more than closing_rate.max counted as a missed criterion; "
            "the programme's guidance makes the band a minimal objective, so later versions set false"
        ),
    )


CoverageRecommendation = Literal["recruit", "thin-out", "balanced"]


class CoverageAction(Action):
    outcome: CoverageRecommendation


class CoverageRule(CoverageAction, Rule):
    pass


DEFAULT_COVERAGE: dict[str, Any] = {
    "rules": [
        {
            "id": "under-band",
            "when": "departement.active_after < policy.min_resellers",
            "outcome": "recruit",
            "reason": "{{ departement.active_after }} active after the pauses, "
            "below the band of {{ policy.min_resellers }} to {{ policy.max_resellers }}",
        },
        {
            "id": "over-band",
            "when": "departement.active_after > policy.max_resellers",
            "outcome": "thin-out",
            "reason": "{{ departement.active_after }} active after the pauses, "
            "above the band of {{ policy.min_resellers }} to {{ policy.max_resellers }}",
        },
        {
            "id": "too-few-leads-each",
            "when": "departement.leads_per_reseller_after < double(policy.min_leads_per_year)"
            " && departement.active_after > policy.min_resellers",
            "outcome": "thin-out",
            "reason": "{{ departement.leads_per_reseller_after | round(1) }} leads a reseller, "
            "under the target of {{ policy.min_leads_per_year }}",
        },
    ],
    "default": {
        "outcome": "balanced",
        "reason": "{{ departement.active_after }} active, "
        "{{ departement.leads_per_reseller_after | round(1) }} leads a reseller",
    },
}  # the programme's guidance, for versions written before coverage rules were configurable


class Coverage(Strict):
    """How a département's coverage after the proposed pauses turns into a recommendation:
    first rule that holds, else the default."""

    rules: list[CoverageRule]
    default: CoverageAction


class RebalancingPolicy(PolicyDocument[RebalancingAction]):
    KIND: ClassVar[str] = "rebalancing"
    OUTCOMES: ClassVar[tuple[str, ...]] = ("keep", "coach", "pause", "route-more")
    VOCABULARY: ClassVar[dict[str, dict[str, Any]]] = {
        "reseller": {
            "leads": int,
            "open_rate": float,
            "processing_rate": float,
            "closing_rate": float,
            "criteria_missed": int,
            "tier": str,
            "years_in_programme": int,
            "months_active": int,
        },
        "departement": {
            "active": int,
            "proposed_pauses": int,
            "active_after": int,
            "leads": int,
            "leads_per_reseller_after": float,
        },
        "policy": {
            "min_resellers": int,
            "max_resellers": int,
            "min_leads_per_year": int,
            "min_open_rate": float,
            "min_processing_rate": float,
            "min_closing_rate": float,
            "max_closing_rate": float,
            "min_months_active": int,
        },
    }

    thresholds: RebalancingThresholds
    rules: list[RebalancingRule]
    coverage: Coverage

    @model_validator(mode="before")
    @classmethod
    def _guidance_when_coverage_is_not_written(cls, data: Any) -> Any:
        if isinstance(data, dict) and "coverage" not in data:
            return {**data, "coverage": DEFAULT_COVERAGE}
        return data

    def facts_for_rules(self) -> dict[str, Any]:
        t = self.thresholds
        return {
            "policy": {
                "min_resellers": int(t.resellers_per_territory.min),
                "max_resellers": int(t.resellers_per_territory.max),
                "min_leads_per_year": t.min_leads_per_year,
                "min_open_rate": t.min_open_rate,
                "min_processing_rate": t.min_processing_rate,
                "min_closing_rate": t.closing_rate.min,
                "max_closing_rate": t.closing_rate.max,
                "min_months_active": t.min_months_active,
            }
        }
