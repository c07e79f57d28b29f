"""How a loaded policy decides: first match, default, stamp, effective dating."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from partnerflow.policy import NoPolicyInForce, PolicyEvaluationError, PolicyLibrary, load_file
from partnerflow.policy.vocabulary import complete_facts
from tests.factories import SHIPPED_DEAL_POLICY, deal_policy_version, write_policy


def deal_facts(**partial: dict[str, object]) -> dict[str, object]:
    policy = load_file(SHIPPED_DEAL_POLICY)
    return complete_facts(partial, policy.document.VOCABULARY)


def test_first_matching_rule_wins_over_later_ones() -> None:
    policy = load_file(SHIPPED_DEAL_POLICY)
    facts = deal_facts(deal={"amount": 300000.0}, partner={"status": "paused"})
    assert policy.decide(facts).rule_id == "partner-not-active"


def test_default_applies_when_no_rule_holds() -> None:
    decision = load_file(SHIPPED_DEAL_POLICY).decide(deal_facts(partner={"status": "active"}))
    assert (decision.outcome, decision.rule_id) == ("review", "default")


def test_reason_is_rendered_from_the_facts() -> None:
    facts = deal_facts(
        partner={"status": "active"},
        conflict={"exists": True, "status": "approved", "product_line": "wifi"},
    )
    decision = load_file(SHIPPED_DEAL_POLICY).decide(facts)
    assert decision.reason is not None and "for wifi" in decision.reason


def test_decision_carries_the_stamp_of_the_file() -> None:
    decision = load_file(SHIPPED_DEAL_POLICY).decide(deal_facts(partner={"status": "active"}))
    assert decision.stamp.kind == "deal_registration"
    assert decision.stamp.version == "2026-01-01"
    assert decision.stamp.sha256 == hashlib.sha256(SHIPPED_DEAL_POLICY.read_bytes()).hexdigest()


def test_review_settings_come_with_the_decision() -> None:
    decision = load_file(SHIPPED_DEAL_POLICY).decide(
        deal_facts(deal={"amount": 400000.0}, partner={"status": "active"})
    )
    assert decision.action.review_requirement.approvers_required == 2  # type: ignore[attr-defined]


def test_missing_fact_is_an_evaluation_error_naming_the_rule() -> None:
    with pytest.raises(PolicyEvaluationError, match="rule partner-not-active"):
        load_file(SHIPPED_DEAL_POLICY).decide({"deal": {}, "partner": {}, "conflict": {}})


def test_the_version_in_force_is_the_latest_started(tmp_path: Path) -> None:
    write_policy(tmp_path, deal_policy_version("2026-01-01", "2026-01-01"))
    write_policy(tmp_path, deal_policy_version("2026-07-01", "2026-07-01"), version="2026-07-01")
    library = PolicyLibrary.load(tmp_path)
    assert library.in_force("deal_registration", date(2026, 6, 30)).version == "2026-01-01"
    assert library.in_force("deal_registration", date(2026, 7, 1)).version == "2026-07-01"


def test_before_the_first_version_nothing_is_in_force(tmp_path: Path) -> None:
    write_policy(tmp_path, deal_policy_version("2026-01-01", "2026-01-01"))
    with pytest.raises(NoPolicyInForce, match="no deal_registration policy is in force on 2025-12-31"):
        PolicyLibrary.load(tmp_path).in_force("deal_registration", date(2025, 12, 31))


def test_a_new_version_changes_decisions_from_its_date(tmp_path: Path) -> None:
    stricter = (
        '  - id: freeze\n    when: "true"\n    outcome: reject\n    reason: "Registrations are frozen."\n'
    )
    write_policy(tmp_path, deal_policy_version("2026-01-01", "2026-01-01"))
    write_policy(tmp_path, deal_policy_version("2026-09-01", "2026-09-01", stricter), version="2026-09-01")
    library = PolicyLibrary.load(tmp_path)
    facts = deal_facts(
        deal={"amount": 1000.0},
        partner={"tier": "gold", "certified": True, "status": "active", "in_territory": True},
    )
    assert library.in_force("deal_registration", date(2026, 8, 31)).decide(facts).outcome == "approve"
    assert library.in_force("deal_registration", date(2026, 9, 1)).decide(facts).rule_id == "freeze"
