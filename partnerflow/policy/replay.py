"""Replaying stored decisions under a candidate policy: what would change, before it is released."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from partnerflow.policy.decision import Policy
from partnerflow.policy.errors import PolicyEvaluationError


@dataclass(frozen=True)
class StoredDecision:
    """One past decision: its subject, who it concerns, the facts snapshot and what was decided."""

    subject_id: int
    party: str
    facts: dict[str, Any]
    outcome: str
    rule_id: str


@dataclass(frozen=True)
class ChangedDecision:
    subject_id: int
    party: str
    before: str
    before_rule: str
    after: str
    after_rule: str


@dataclass
class ReplayReport:
    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)
    changed: list[ChangedDecision] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def changed_by_party(self) -> dict[str, list[ChangedDecision]]:
        grouped: dict[str, list[ChangedDecision]] = {}
        for change in self.changed:
            grouped.setdefault(change.party, []).append(change)
        return grouped


def replay(candidate: Policy[Any], decisions: Iterable[StoredDecision]) -> ReplayReport:
    """Decide every stored fact set again under ``candidate`` and compare outcomes."""
    report = ReplayReport()
    for stored in decisions:
        report.before[stored.outcome] += 1
        try:
            decision = candidate.decide(stored.facts)
        except PolicyEvaluationError as error:
            report.errors.append(f"#{stored.subject_id}: {error}")
            report.after["error"] += 1
            continue
        report.after[decision.outcome] += 1
        if decision.outcome != stored.outcome:
            report.changed.append(
                ChangedDecision(
                    stored.subject_id,
                    stored.party,
                    stored.outcome,
                    stored.rule_id,
                    decision.outcome,
                    decision.rule_id,
                )
            )
    return report
