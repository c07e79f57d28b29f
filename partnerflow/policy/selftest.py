"""Running the ``tests:`` cases a policy file carries about itself."""

from __future__ import annotations

from typing import Any

from partnerflow.policy.decision import Policy
from partnerflow.policy.errors import PolicyEvaluationError, Problem
from partnerflow.policy.vocabulary import complete_facts


def run_policy_tests(policy: Policy[Any]) -> list[Problem]:
    """One problem per case whose outcome (or rule) differs from what the file expects."""
    problems = []
    vocabulary = {
        k: v for k, v in policy.document.VOCABULARY.items() if k not in policy.document.facts_for_rules()
    }
    for index, case in enumerate(policy.document.tests):
        line = policy.source_map.line_of(("tests", index))
        label = f"test {case.name or index + 1}"
        try:
            decision = policy.decide(complete_facts(case.facts, vocabulary))
        except (ValueError, PolicyEvaluationError) as error:
            problems.append(Problem(policy.path, line, f"{label}: {error}"))
            continue
        if decision.outcome != case.expect or (case.rule and decision.rule_id != case.rule):
            expected = case.expect + (f" by {case.rule}" if case.rule else "")
            problems.append(
                Problem(
                    policy.path,
                    line,
                    f"{label}: expected {expected}, got {decision.outcome} by {decision.rule_id}",
                    decision.rule_id,
                )
            )
    return problems
