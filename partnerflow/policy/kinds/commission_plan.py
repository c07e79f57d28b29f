"""The commission_plan kind: rates, brackets, accelerators, payout and approval thresholds.

Thresholds and rates live in the YAML files; this module only says what a file may contain.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from partnerflow.models.network import PartnerTier
from partnerflow.policy.schema import Action, PolicyDocument, Ratio, Rule, Strict

CommissionOutcome = Literal["accrue", "exclude"]


class CommissionAction(Action):
    outcome: CommissionOutcome


class CommissionRule(CommissionAction, Rule):
    pass


class Accelerator(Strict):
    """From ``from_attainment`` of the tier's yearly target on, the part of a deal beyond that
    point earns the base rate times ``multiplier`` (marginal, like the revenue brackets)."""

    from_attainment: float = Field(gt=0)
    multiplier: float = Field(ge=1)


class RevenueBracket(Strict):
    """From ``from_revenue`` of the partner's closed revenue in the calendar year, the part of a
    deal inside this bracket earns the base rate times ``multiplier`` (marginal, like tax bands)."""

    from_revenue: Decimal = Field(ge=0)
    multiplier: Decimal = Field(ge=1)


class CommissionPlanPolicy(PolicyDocument[CommissionAction]):
    KIND: ClassVar[str] = "commission_plan"
    OUTCOMES: ClassVar[tuple[str, ...]] = ("accrue", "exclude")
    VOCABULARY: ClassVar[dict[str, dict[str, Any]]] = {
        "deal": {
            "amount": float,
            "currency": str,
            "product_line": str,
            "registered": bool,
            "days_registration_to_close": int,
        },
        "partner": {"id": int, "tier": str, "status": str, "attainment": float},
    }

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    rates: dict[PartnerTier, dict[str, Ratio]] = Field(
        description="rate per tier and product line; the key 'default' covers other lines"
    )
    yearly_targets: dict[PartnerTier, Decimal] = Field(
        default_factory=dict,
        description="closed revenue expected of a partner of each tier in a calendar year: "
        "partner.attainment is the revenue closed this year before the deal over this target",
    )
    accelerators: list[Accelerator] = Field(
        default_factory=list, description="multipliers past a share of the yearly target (needs targets)"
    )
    cap_per_deal: float | None = Field(default=None, gt=0)
    hold_days: int = Field(default=60, ge=0, description="clawback window before a line is payable")
    finance_approval_above: float = Field(ge=0)
    brackets: list[RevenueBracket] = Field(
        default_factory=list, description="marginal brackets on yearly closed revenue; none: one bracket x1"
    )
    minimum_payout: Decimal = Field(default=Decimal(0), ge=0, description="smaller balances carry forward")
    four_eyes_above: Decimal | None = Field(
        default=None, gt=0, description="two finance approvers above this"
    )
    rules: list[CommissionRule]

    @model_validator(mode="after")
    def _brackets_start_at_zero_and_rise(self) -> CommissionPlanPolicy:
        starts = [bracket.from_revenue for bracket in self.brackets]
        if starts and (starts[0] != 0 or starts != sorted(set(starts))):
            raise ValueError("brackets: the first starts at 0 and each starts above the previous one")
        return self

    @model_validator(mode="after")
    def _accelerators_have_targets(self) -> CommissionPlanPolicy:
        starts = [accelerator.from_attainment for accelerator in self.accelerators]
        if starts and starts != sorted(set(starts)):
            raise ValueError("accelerators: each starts at a higher attainment than the previous one")
        if starts and self.brackets:
            raise ValueError("accelerators and brackets: declare one way to accelerate, not both")
        reads_attainment = any("partner.attainment" in rule.when for rule in self.rules)
        missing = [tier.value for tier in PartnerTier if tier not in self.yearly_targets]
        if (starts or reads_attainment) and missing:
            raise ValueError(
                "yearly_targets: accelerators and partner.attainment need a target for every tier; "
                f"missing {', '.join(missing)}"
            )
        return self

    @model_validator(mode="after")
    def _every_tier_has_a_default_rate(self) -> CommissionPlanPolicy:
        missing = [tier.value for tier in PartnerTier if "default" not in self.rates.get(tier, {})]
        if missing:
            raise ValueError(f"rates: tiers without a 'default' rate: {', '.join(missing)}")
        return self
