"""Running the ``tests:`` cases a policy file carries about itself."""

from __future__ import annotations

from typing import Any

from partnerflow.policy.decision import Policy
from partnerflow.policy.errors import PolicyEvaluationError, Problem
from partnerflow.policy.vocabulary import complete_facts


def run_policy_tests(policy: Policy[Any]) -> list[Problem]:
    """One problem per case whose outcome (or rule) differs from what the file expects."""
    problems = []
    given_by_policy = {*policy.document.facts_for_rules(), *policy.document.DERIVED}
    vocabulary = {k: v for k, v in policy.document.VOCABULARY.items() if k not in given_by_policy}
    for index, case in enumerate(policy.document.tests):
        line = policy.source_map.line_of(("tests", index))
        label = f"test {case.name or index + 1}"
        try:
            facts = complete_facts(case.facts, vocabulary)
            decision = policy.decide(facts)
            derived = policy.document.derived_facts(facts)
        except (ValueError, PolicyEvaluationError) as error:
            problems.append(Problem(policy.path, line, f"{label}: {error}"))
            continue
        for root, expected_values in (case.derived or {}).items():
            for name, expected_value in expected_values.items():
                got = derived.get(root, {}).get(name)
                if got != expected_value:
                    problems.append(
                        Problem(
                            policy.path,
                            line,
                            f"{label}: expected {root}.{name} {expected_value!r}, got {got!r}",
                        )
                    )
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
