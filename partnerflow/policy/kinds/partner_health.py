"""The partner_health kind: drivers mapped to the six causes of attrition, levels, windows, survey, training.

Thresholds and rates live in the YAML files; this module only says what a file may contain.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

import cel
from pydantic import Field, PrivateAttr, field_validator, model_validator

from partnerflow.policy.errors import PolicyEvaluationError
from partnerflow.policy.schema import Action, PolicyDocument, Rule, Strict

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
