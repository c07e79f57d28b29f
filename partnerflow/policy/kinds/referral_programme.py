"""The referral_programme kind: sponsors, the launch gate, the pilot, what qualifies, rewards,
fraud rules, economics.

Thresholds and rates live in the YAML files; this module only says what a file may contain.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from partnerflow.policy.schema import Action, PolicyDocument, Ratio, Rule, Strict

SponsorOutcome = Literal["eligible", "not-eligible"]


class SponsorAction(Action):
    outcome: SponsorOutcome


class SponsorRule(SponsorAction, Rule):
    pass


class LaunchGate(Strict):
    """No referral programme on a service customers are not happy with: invitations wait while
    the average satisfaction is low or too many customers have gone quiet."""

    min_average_satisfaction: float = Field(ge=0, le=10, description="customers who gave a score, 0-10")
    max_quiet_share: Ratio = Field(description="customers with no purchase in 18 months, of all who bought")


class PilotSettings(Strict):
    """The small-scale trial before roll-out: a cohort of the best sponsors until a date, then the
    programme owner decides on the figures."""

    sponsors: int = Field(ge=1, le=100_000, description="how many sponsors the pilot invites, best first")
    ends_on: date = Field(description="the pilot's last day; its review opens the day after")
    extension_days: int = Field(ge=1, le=365, description="how much longer an extended pilot runs")


class Economics(Strict):
    """What the programme must earn: the bar on conversion and the figures of its break-even."""

    target_conversion: Ratio = Field(description="first transactions / referrals to reach (the 10 % bar)")
    gross_margin_rate: Ratio = Field(description="the vendor's gross margin on a referred first transaction")
    fixed_costs_per_month: Decimal = Field(ge=0, description="running the programme, rewards excluded")


class Qualification(Strict):
    """What counts as the referred company's qualifying first transaction."""

    min_amount: Decimal = Field(ge=0, description="the won deal's amount, at least")
    product_lines: list[str] = Field(default_factory=list, description="one of these (empty: any)")
    within_days: int = Field(ge=1, le=730, description="closed within this many days of the referral")


class Reward(Strict):
    """One side's reward: a share of the first transaction, or a fixed amount; capped."""

    percent: Ratio = Field(default=0.0)
    amount: Decimal = Field(default=Decimal(0), ge=0)
    cap: Decimal | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_way(self) -> Reward:
        if (self.percent > 0) == (self.amount > 0):
            raise ValueError("a reward is either a percent or an amount")
        return self


class Rewards(Strict):
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    sponsor: Reward
    referred: Reward
    sponsor_cap_per_year: Decimal = Field(gt=0, description="a sponsor earns at most this in a calendar year")
    hold_days: int = Field(ge=0, le=365, description="a reversal in this time cancels the rewards")


class FraudRules(Strict):
    max_referrals_per_sponsor_per_month: int = Field(ge=1, le=1000)


class ReferralProgrammePolicy(PolicyDocument[SponsorAction]):
    """Who may sponsor (loyalty and engagement first), the launch gate, the pilot, what qualifies
    a referral, both rewards, the fraud rules and the economics the programme is judged on."""

    KIND: ClassVar[str] = "referral_programme"
    OUTCOMES: ClassVar[tuple[str, ...]] = ("eligible", "not-eligible")
    VOCABULARY: ClassVar[dict[str, dict[str, Any]]] = {
        "customer": {
            "months_as_customer": int,
            "purchases": int,
            "revenue": float,
            "days_since_last_purchase": int,
            "has_satisfaction": bool,
            "satisfaction": int,
            "has_email": bool,
        },
    }

    rules: list[SponsorRule]
    launch: LaunchGate
    pilot: PilotSettings
    qualification: Qualification
    rewards: Rewards
    fraud: FraudRules
    economics: Economics
