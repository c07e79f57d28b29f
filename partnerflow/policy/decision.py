"""A loaded policy version and the decisions it makes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import cel

from partnerflow.locales import RECORD_LOCALE, text_in
from partnerflow.policy.conditions import render_reason
from partnerflow.policy.errors import PolicyEvaluationError
from partnerflow.policy.schema import Action, PolicyDocument
from partnerflow.policy.sourcemap import SourceMap
from partnerflow.policy.vocabulary import referenced_facts

DocumentT = TypeVar("DocumentT", bound=PolicyDocument[Any], covariant=True)
ActionT = TypeVar("ActionT", bound=Action, covariant=True)
KindActionT = TypeVar("KindActionT", bound=Action)

DEFAULT_RULE_ID = "default"
_TEMPLATE_PARTS = re.compile(r"{[{%](.*?)[}%]}", re.S)  # what a reason template reads


@dataclass(frozen=True)
class PolicyStamp:
    """Which policy decided: stored on every decision and audit event."""

    kind: str
    version: str
    sha256: str


@dataclass(frozen=True)
class Decision(Generic[ActionT]):
    """The outcome of one evaluation, the rule that fired (or ``default``) and its reason:
    ``reason`` as recorded (audit, command line), ``reasons`` as each locale reads it."""

    outcome: str
    rule_id: str
    reason: str | None
    stamp: PolicyStamp
    action: ActionT  # the kind's action: a review requirement, sign-offs to add...
    reasons: dict[str, str] = field(default_factory=dict)

    def reason_in(self, locale: str) -> str:
        return text_in(self.reasons, locale, self.reason)


@dataclass(frozen=True)
class Policy(Generic[DocumentT]):
    """One version of one kind, validated and compiled, ready to decide.

    All rules are also compiled into one CEL program (``r1 ? 0 : r2 ? 1 : ... : -1``) that is
    run over only the facts the rules read: converting values into CEL dominates the cost of a
    decision, so each fact is converted once per decision instead of once per rule.
    """

    document: DocumentT
    path: Path
    stamp: PolicyStamp
    source_map: SourceMap = field(default_factory=SourceMap, compare=False, repr=False)
    _first_match: cel.Program = field(init=False, compare=False, repr=False)
    _reads: dict[str, tuple[str, ...]] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        rules = self.document.rules
        chain = "".join(f"({rule.when}) ? {index} : " for index, rule in enumerate(rules)) + "-1"
        object.__setattr__(self, "_first_match", cel.compile(chain))
        reads = referenced_facts([rule.when for rule in rules], self.document.VOCABULARY)
        object.__setattr__(self, "_reads", reads)

    @property
    def kind(self) -> str:
        return self.stamp.kind

    @property
    def version(self) -> str:
        return self.stamp.version

    def decide(self: Policy[PolicyDocument[KindActionT]], facts: dict[str, Any]) -> Decision[KindActionT]:
        """Evaluate the rules in order over ``facts``; the first that holds decides.

        Args:
            facts: one mapping per fact root of the kind's vocabulary (``deal``, ``partner``...);
                roots the kind derives (``DERIVED``) are computed when not given.

        Raises:
            PolicyEvaluationError: a fact the rules need is missing or not of the right type.
        """
        facts = {**facts, **self.document.facts_for_rules()}
        if any(root not in facts for root in self.document.DERIVED):
            facts.update(self.document.derived_facts(facts))
        try:
            read = {root: {name: facts[root][name] for name in names} for root, names in self._reads.items()}
            index = self._first_match.execute(read)
        except (KeyError, TypeError, ValueError, RuntimeError):
            index = self._first_match_rule_by_rule(facts)
        if index < 0:
            return self._decision(DEFAULT_RULE_ID, self.document.default, facts)
        rule = self.document.rules[index]
        return self._decision(rule.id, rule, facts)

    def memoized(
        self: Policy[PolicyDocument[KindActionT]],
    ) -> Callable[[dict[str, Any]], Decision[KindActionT]]:
        """A ``decide`` for bulk runs that remembers decisions by the facts the policy reads.

        A decision depends only on the facts its conditions and reasons read, so thousands of
        deals sharing those values (status, tier, registered...) are decided once. Facts that
        cannot be a key (a list, a missing field) go through ``decide`` every time.
        """
        actions: list[Action] = [*self.document.rules, self.document.default]
        placeholders = [
            part
            for action in actions
            for template in action.reason_templates().values()
            for part in _TEMPLATE_PARTS.findall(template)
        ]
        texts = [rule.when for rule in self.document.rules] + placeholders
        reads = referenced_facts(texts, self.document.VOCABULARY)
        paths = [(root, name) for root, names in reads.items() for name in names]
        memo: dict[tuple[Any, ...], Decision[KindActionT]] = {}

        def decide(facts: dict[str, Any]) -> Decision[KindActionT]:
            try:
                key = tuple([facts[root][name] for root, name in paths])
                return memo[key] if key in memo else memo.setdefault(key, self.decide(facts))
            except (KeyError, TypeError):
                return self.decide(facts)

        return decide

    def _first_match_rule_by_rule(self, facts: dict[str, Any]) -> int:
        """The slow path, taken only on bad facts: find which rule fails, to name it."""
        context = cel.Context(facts)
        for index, rule in enumerate(self.document.rules):
            try:
                holds = rule.program.execute(context)
            except (KeyError, ValueError, TypeError, RuntimeError) as error:
                raise PolicyEvaluationError(
                    f"{self.path}: rule {rule.id}: cannot evaluate {rule.when!r}: {error}"
                ) from None
            if holds is not True and holds is not False:
                raise PolicyEvaluationError(
                    f"{self.path}: rule {rule.id}: condition gave {holds!r}, not a boolean"
                )
            if holds:
                return index
        return -1

    def _decision(
        self: Policy[PolicyDocument[KindActionT]], rule_id: str, action: KindActionT, facts: dict[str, Any]
    ) -> Decision[KindActionT]:
        reasons = {locale: render_reason(text, facts) for locale, text in action.reason_templates().items()}
        reason = reasons.get(RECORD_LOCALE)
        return Decision(action.outcome, rule_id, reason, self.stamp, action, reasons)
