"""The partner_admission kind: the criteria a candidate reseller is judged on.

Thresholds and rates live in the YAML files; this module only says what a file may contain.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from partnerflow.policy.schema import Action, PolicyDocument, Rule, Strict

AdmissionOutcome = Literal["propose", "hold", "refuse"]


class AdmissionAction(Action):
    outcome: AdmissionOutcome


class AdmissionRule(AdmissionAction, Rule):
    pass


class AdmissionCriteria(Strict):
    """What a replacement reseller must bring (the programme's material: strict criteria)."""

    sectors: list[str] = Field(min_length=1, description="the trades the programme recruits from")
    min_sales_staff: int = Field(ge=0, le=1000)
    min_certified_staff: int = Field(ge=0, le=1000)


class PartnerAdmissionPolicy(PolicyDocument[AdmissionAction]):
    KIND: ClassVar[str] = "partner_admission"
    OUTCOMES: ClassVar[tuple[str, ...]] = ("propose", "hold", "refuse")
    VOCABULARY: ClassVar[dict[str, dict[str, Any]]] = {
        "candidate": {
            "siren_valid": bool,
            "already_partner": bool,
            "sector": str,
            "sales_staff": int,
            "certified_staff": int,
        },
        "departement": {"active": int, "min_resellers": int, "needs_recruits": bool},
        "policy": {"sectors": list, "min_sales_staff": int, "min_certified_staff": int},
    }

    criteria: AdmissionCriteria
    rules: list[AdmissionRule]

    def facts_for_rules(self) -> dict[str, Any]:
        criteria = self.criteria
        return {
            "policy": {
                "sectors": list(criteria.sectors),
                "min_sales_staff": criteria.min_sales_staff,
                "min_certified_staff": criteria.min_certified_staff,
            }
        }
