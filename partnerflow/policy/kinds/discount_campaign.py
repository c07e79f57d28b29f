"""The discount_campaign kind: decision rules, eligibility, who signs off and their SLA.

Thresholds and rates live in the YAML files; this module only says what a file may contain.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from partnerflow.models.network import PartnerTier, Role
from partnerflow.policy.schema import Action, Duration, PolicyDocument, Rule, Strict

CampaignOutcome = Literal["sign-off", "reject"]


class CampaignAction(Action):
    outcome: CampaignOutcome
    add_signoffs: list[Role] = Field(default_factory=list)


class CampaignRule(CampaignAction, Rule):
    pass


class CampaignEligibility(Strict):
    statuses: tuple[Literal["active", "paused"], ...] = ("active",)
    min_tier: PartnerTier = PartnerTier.REGISTERED
    certified_only: bool = False


class SignOffSla(Strict):
    """The clock of every sign-off: remind the role, then alert ``escalate_to``, then decide."""

    remind_after: Duration
    escalate_after: Duration
    escalate_to: Role
    final_timeout: Duration
    on_final_timeout: Literal["reject"] = "reject"

    @model_validator(mode="after")
    def _in_order(self) -> SignOffSla:
        if not self.remind_after < self.escalate_after < self.final_timeout:
            raise ValueError("remind_after < escalate_after < final_timeout must hold")
        return self


class DiscountCampaignPolicy(PolicyDocument[CampaignAction]):
    KIND: ClassVar[str] = "discount_campaign"
    OUTCOMES: ClassVar[tuple[str, ...]] = ("sign-off", "reject")
    VOCABULARY: ClassVar[dict[str, dict[str, Any]]] = {
        "campaign": {
            "discount_pct": float,
            "duration_days": int,
            "product_line": str,
            "stock_value": float,
            "units": int,
            "territories": list,
            "lead_days": int,
        },
    }

    signoffs: list[Role] = Field(min_length=1)
    eligibility: CampaignEligibility = Field(default_factory=CampaignEligibility)
    reminder_days_before_end: int = Field(default=3, ge=0)
    signoff_sla: SignOffSla | None = Field(default=None, description="no SLA when absent")
    rules: list[CampaignRule]
