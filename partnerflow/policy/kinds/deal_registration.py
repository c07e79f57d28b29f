"""The deal_registration kind: auto-approval rules, review levels and their SLA, protection, close review.

Thresholds and rates live in the YAML files; this module only says what a file may contain.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from partnerflow.models.network import Role
from partnerflow.policy.schema import Action, Duration, PolicyDocument, Rule, Strict

DealOutcome = Literal["approve", "reject", "review"]


class ReviewRequirement(Strict):
    level: Role = Role.CHANNEL_MANAGER
    approvers_required: int = Field(default=1, ge=1, le=3)


class DealAction(Action):
    outcome: DealOutcome
    review: ReviewRequirement | None = None

    @model_validator(mode="after")
    def _review_only_for_review(self) -> DealAction:
        if self.review is not None and self.outcome != "review":
            raise ValueError("'review' settings only apply to outcome: review")
        return self

    @property
    def review_requirement(self) -> ReviewRequirement:
        return self.review or ReviewRequirement()


class DealRule(DealAction, Rule):
    pass


class ReviewSla(Strict):
    """The review clock: remind, then escalate one level, then apply the final outcome."""

    remind_after: Duration
    escalate_after: Duration
    final_timeout: Duration
    escalation_chain: list[Role] = Field(min_length=1)
    on_final_timeout: Literal["approve", "reject"] = "reject"

    @model_validator(mode="after")
    def _in_order(self) -> ReviewSla:
        if not self.remind_after < self.escalate_after < self.final_timeout:
            raise ValueError("remind_after < escalate_after < final_timeout must hold")
        return self


class ProtectionSettings(Strict):
    days: int = Field(ge=1, le=730)
    remind_days_before: list[int] = Field(default_factory=lambda: [14, 3])
    max_extensions: int = Field(default=1, ge=0)
    extension_days: int = Field(default=60, ge=1)


class CloseReview(Strict):
    """A won close far above what was registered is a typo or a different deal: it waits for a
    channel director before commissions see it (measured: a close 1,000 times the registration
    accrued 1,000 times the commission, unreviewed)."""

    amount_factor: float = Field(
        default=3.0,
        gt=1,
        le=1000,
        description="a won close above this many times the registered amount waits for a channel director",
    )


class DealRegistrationPolicy(PolicyDocument[DealAction]):
    KIND: ClassVar[str] = "deal_registration"
    OUTCOMES: ClassVar[tuple[str, ...]] = ("approve", "reject", "review")
    VOCABULARY: ClassVar[dict[str, dict[str, Any]]] = {
        "deal": {
            "amount": float,
            "currency": str,
            "product_lines": list,
            "customer_departement": str,
            "days_to_close": int,
            "has_customer_siren": bool,
        },
        "partner": {
            "id": int,
            "tier": str,
            "certified": bool,
            "status": str,
            "territory": str,
            "in_territory": bool,
            "approved_registrations": int,
            "win_rate": float,
        },
        "conflict": {"exists": bool, "partner_id": int, "product_line": str, "status": str},
    }

    protection: ProtectionSettings
    review_sla: ReviewSla
    close_review: CloseReview = Field(default_factory=CloseReview)
    rules: list[DealRule]
