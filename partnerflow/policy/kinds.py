"""The policy kinds of the programme, their settings, outcomes and fact vocabularies.

Thresholds and rates live in the YAML files; this module only says what a file may contain.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Literal

import cel
from pydantic import Field, PrivateAttr, field_validator, model_validator

from partnerflow.models.network import PartnerTier, Role
from partnerflow.policy.errors import PolicyEvaluationError
from partnerflow.policy.schema import Action, Duration, PolicyDocument, Ratio, Rule, Strict

# --- deal registration -------------------------------------------------------------------------

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


# --- discount campaign -------------------------------------------------------------------------

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


# --- commission plan ---------------------------------------------------------------------------

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


# --- annual rebalancing ------------------------------------------------------------------------

RebalancingOutcome = Literal["keep", "coach", "pause"]


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
    OUTCOMES: ClassVar[tuple[str, ...]] = ("keep", "coach", "pause")
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


# --- partner health ----------------------------------------------------------------------------

HealthLevel = Literal["healthy", "watch", "at-risk"]
Cause = Literal[
    "complexity", "inconsistency", "training", "business-change", "communication", "return-on-investment"
]
SuggestedAction = Literal["coaching-call", "training-invitation", "programme-exception"]
HEALTH_FACTS = "health"  # the fact root the drivers produce and the level rules read


class HealthAction(Action):
    outcome: HealthLevel


class HealthRule(HealthAction, Rule):
    pass


class Driver(Rule):
    """One measured sign of one attrition cause: ``when`` holds over the partner's facts, the
    ``reason`` explains it to the channel manager, ``action`` is what the policy suggests."""

    outcome: Cause
    weight: int = Field(default=1, ge=1, le=5, description="how much it counts towards the level")
    action: SuggestedAction

    @field_validator("when")
    @classmethod
    def _reads_only_measured_facts(cls, value: str) -> str:
        if re.search(rf"\b{HEALTH_FACTS}\s*\.", value):
            raise ValueError(f"a driver reads the partner's facts, not {HEALTH_FACTS}.* (which drivers make)")
        return value


class HealthWindows(Strict):
    """The periods the facts are measured over."""

    year_days: int = Field(
        default=365, ge=90, le=730, description="'this year': the days before the assessment"
    )
    recent_days: int = Field(
        default=90, ge=14, le=365, description="recent activity, against the partner's own past"
    )
    slow_review_days: int = Field(
        default=5, ge=1, le=90, description="a review waiting longer is a slow answer"
    )
    expiry_warning_days: int = Field(
        default=60, ge=1, le=365, description="a certification lapsing this soon"
    )
    inactive_days: int = Field(
        default=180,
        ge=30,
        le=730,
        description="no registration, lead worked or commission for this long: left",
    )


class SurveySettings(Strict):
    """The anonymous partner survey's rules."""

    min_group: int = Field(default=5, ge=2, le=100, description="results of a smaller group are never shown")
    open_days: int = Field(default=21, ge=3, le=90, description="how long a round takes answers")
    remind_after_days: int = Field(default=7, ge=1, le=60, description="one reminder to who has not answered")

    @model_validator(mode="after")
    def _reminder_while_open(self) -> SurveySettings:
        if self.remind_after_days >= self.open_days:
            raise ValueError("remind_after_days must be shorter than open_days")
        return self


class TrainingSettings(Strict):
    """Reminders before a certification lapses, and a new partner's onboarding path."""

    certification_reminders_days_before: list[int] = Field(
        default_factory=lambda: [60, 14], min_length=1, max_length=5, description="one reminder at each"
    )
    training_invitation_after_days: int = Field(default=7, ge=0, le=180, description="after joining")
    check_in_after_days: int = Field(default=90, ge=30, le=365, description="after joining")
    catch_up_days: int = Field(
        default=30, ge=1, le=90, description="a step this late is skipped (partners who joined before)"
    )

    @field_validator("certification_reminders_days_before")
    @classmethod
    def _positive_and_distinct(cls, days: list[int]) -> list[int]:
        if any(day < 1 or day > 365 for day in days) or len(set(days)) != len(days):
            raise ValueError("distinct numbers of days between 1 and 365")
        return sorted(days, reverse=True)


class PartnerHealthPolicy(PolicyDocument[HealthAction]):
    """Drivers (each a cause's measured sign) first, then the level rules over what they found.

    Every driver is compiled into one CEL list program: one evaluation per partner, whatever the
    number of drivers (20,000 partners are assessed in one run).
    """

    KIND: ClassVar[str] = "partner_health"
    OUTCOMES: ClassVar[tuple[str, ...]] = ("healthy", "watch", "at-risk")
    DERIVED: ClassVar[tuple[str, ...]] = (HEALTH_FACTS,)
    VOCABULARY: ClassVar[dict[str, dict[str, Any]]] = {
        "partner": {
            "tier": str,
            "certified": bool,
            "months_in_programme": int,
            "commission_this_year": float,
            "commission_last_year": float,
            "deals_won": int,
            "deals_lost": int,
            "win_rate": float,
            "reviews": int,
            "slow_reviews": int,
            "review_wait_days": float,
            "submissions": int,
            "refused": int,
            "refused_share": float,
            "info_requests": int,
            "certifications_expiring": int,
            "courses_this_year": int,
            "registrations_recent": int,
            "registrations_usual": float,
            "leads": int,
            "lead_open_rate": float,
            "policy_versions": int,
        },
        HEALTH_FACTS: {"drivers": list, "causes": list, "weight": int},
        "policy": {
            "year_days": int,
            "recent_days": int,
            "slow_review_days": int,
            "expiry_warning_days": int,
            "inactive_days": int,
        },
    }

    windows: HealthWindows = Field(default_factory=HealthWindows)
    survey: SurveySettings = Field(default_factory=SurveySettings)
    training: TrainingSettings = Field(default_factory=TrainingSettings)
    drivers: list[Driver] = Field(max_length=60)
    rules: list[HealthRule]
    _all_drivers: cel.Program = PrivateAttr()

    @model_validator(mode="after")
    def _compile_drivers(self) -> PartnerHealthPolicy:
        ids = [driver.id for driver in self.drivers]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate driver id")
        self._all_drivers = cel.compile("[" + ", ".join(f"({d.when})" for d in self.drivers) + "]")
        return self

    def drivers_holding(self, facts: dict[str, Any]) -> list[Driver]:
        """The drivers whose condition holds over ``facts``, in the file's order.

        Raises:
            PolicyEvaluationError: a fact a driver reads is missing or of the wrong type.
        """
        try:
            holds = self._all_drivers.execute(facts)
        except (KeyError, TypeError, ValueError, RuntimeError):
            holds = [self._holds(driver, facts) for driver in self.drivers]
        return [driver for driver, held in zip(self.drivers, holds, strict=True) if held is True]

    def facts_for_rules(self) -> dict[str, Any]:
        return {"policy": self.windows.model_dump()}

    def derived_facts(self, facts: dict[str, Any]) -> dict[str, Any]:
        return self.health_facts(self.drivers_holding({**facts, **self.facts_for_rules()}))

    @staticmethod
    def health_facts(found: list[Driver]) -> dict[str, Any]:
        """The ``health.*`` facts the level rules read, from the drivers found."""
        causes = sorted({driver.outcome for driver in found})
        return {
            HEALTH_FACTS: {
                "drivers": [driver.id for driver in found],
                "causes": causes,
                "weight": sum(driver.weight for driver in found),
            }
        }

    @staticmethod
    def _holds(driver: Driver, facts: dict[str, Any]) -> bool:
        try:
            return driver.program.execute(facts) is True
        except (KeyError, TypeError, ValueError, RuntimeError) as error:
            raise PolicyEvaluationError(
                f"driver {driver.id}: cannot evaluate {driver.when!r}: {error}"
            ) from None


# --- partner admission -------------------------------------------------------------------------

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


# --- referral programme --------------------------------------------------------------------------

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


POLICY_KINDS: dict[str, type[PolicyDocument[Any]]] = {
    kind.KIND: kind
    for kind in (
        DealRegistrationPolicy,
        DiscountCampaignPolicy,
        CommissionPlanPolicy,
        RebalancingPolicy,
        PartnerHealthPolicy,
        PartnerAdmissionPolicy,
        ReferralProgrammePolicy,
    )
}
