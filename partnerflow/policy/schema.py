"""The shape every policy file shares: identity, effective date, rules, default and test cases.

Each kind (see ``partnerflow.policy.kinds``) subclasses :class:`PolicyDocument` with its own
outcomes, vocabulary and settings. Extra keys are forbidden everywhere so a misspelt setting is an
error, not a silently ignored line.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any, ClassVar, Generic, TypeVar

import cel
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from partnerflow.locales import LOCALES, every_locale
from partnerflow.policy.conditions import MAX_RULES, check_reason, compile_condition, vocabulary_from
from partnerflow.policy.vocabulary import Vocabulary

_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _parse_duration(value: Any) -> Any:
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"duration {value!r} must look like 30m, 24h, 2d or 1w")
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    return value


Duration = Annotated[timedelta, BeforeValidator(_parse_duration)]
RuleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
Ratio = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Action(Strict):
    """What happens when a rule fires (or the default applies); kinds add their own fields."""

    outcome: str
    reason: str | dict[str, str] | None = Field(
        default=None,
        description="Jinja text shown to people; may use facts. One text per locale "
        "({fr: ..., en: ...}) where partners read it; a single text is shown to everyone as written",
    )

    @field_validator("reason")
    @classmethod
    def _reason_is_a_valid_template(
        cls, value: str | dict[str, str] | None, info: ValidationInfo
    ) -> str | dict[str, str] | None:
        if value is None:
            return None
        vocabulary = vocabulary_from(info)
        if isinstance(value, str):
            return check_reason(value, vocabulary)
        return {locale: check_reason(text, vocabulary) for locale, text in every_locale(value).items()}

    def reason_templates(self) -> dict[str, str]:
        """The reason template in each locale (a single text stands for every locale)."""
        if self.reason is None:
            return {}
        if isinstance(self.reason, str):
            return dict.fromkeys(LOCALES, self.reason)
        return dict(self.reason)


ActionT = TypeVar("ActionT", bound=Action)


class Rule(Action):
    """``when`` is a CEL expression over the kind's facts; the first rule that holds decides."""

    id: RuleId
    when: str = Field(min_length=1)
    _program: cel.Program = PrivateAttr()

    @field_validator("when")
    @classmethod
    def _condition_compiles(cls, value: str, info: ValidationInfo) -> str:
        compile_condition(value, vocabulary_from(info))  # errors point at the `when:` line
        return value

    @model_validator(mode="after")
    def _compile(self) -> Rule:
        self._program = cel.compile(self.when)
        return self

    @property
    def program(self) -> cel.Program:
        return self._program


class TestCase(Strict):
    """A fact set and the outcome (and optionally the rule) the policy must give for it.

    Facts left out take their zero value (false, 0, empty), so a case states only what matters.
    """

    name: str | None = None
    facts: dict[str, dict[str, Any]]
    expect: str
    rule: str | None = None
    derived: dict[str, dict[str, Any]] | None = Field(
        default=None, description="facts the policy must derive from these (partner_health: health.drivers)"
    )


class PolicyDocument(Strict, Generic[ActionT]):
    """Fields common to every kind. Subclasses set ``KIND``, ``VOCABULARY`` and the rule type."""

    KIND: ClassVar[str]
    VOCABULARY: ClassVar[Vocabulary]
    OUTCOMES: ClassVar[tuple[str, ...]]
    DERIVED: ClassVar[tuple[str, ...]] = ()  # fact roots the policy computes from the others

    kind: str
    version: str = Field(pattern=r"^[0-9A-Za-z.\-]+$", max_length=40)
    effective_from: date
    description: str = ""
    rules: list[Any]
    default: ActionT
    tests: list[TestCase] = Field(default_factory=list)

    @field_validator("kind")
    @classmethod
    def _kind_matches(cls, value: str) -> str:
        if value != cls.KIND:
            raise ValueError(f"kind must be {cls.KIND!r}, got {value!r}")
        return value

    @field_validator("rules")
    @classmethod
    def _rule_ids_are_unique(cls, rules: list[Rule]) -> list[Rule]:
        if len(rules) > MAX_RULES:
            raise ValueError(f"{len(rules)} rules; a policy has at most {MAX_RULES} (the engine chains them)")
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        return rules

    @model_validator(mode="after")
    def _tests_name_known_outcomes_and_rules(self) -> PolicyDocument[ActionT]:
        rule_ids = {rule.id for rule in self.rules} | {"default"}
        for index, case in enumerate(self.tests):
            if case.expect not in self.OUTCOMES:
                raise ValueError(
                    f"tests[{index}] expects {case.expect!r}; outcomes are {', '.join(self.OUTCOMES)}"
                )
            if case.rule and case.rule not in rule_ids:
                raise ValueError(f"tests[{index}] names unknown rule {case.rule!r}")
        return self

    def facts_for_rules(self) -> dict[str, Any]:
        """Facts that come from the policy itself (``policy.*``); none unless the kind says so."""
        return {}

    def derived_facts(self, facts: dict[str, Any]) -> dict[str, Any]:
        """The ``DERIVED`` roots, computed from ``facts``; none unless the kind says so."""
        return {}
