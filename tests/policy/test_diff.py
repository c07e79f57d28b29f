"""``policy diff`` reports settings, rules and order the way a programme owner reads them."""

from __future__ import annotations

from pathlib import Path

from partnerflow.policy import diff_policies, load_file
from tests.factories import SHIPPED_DEAL_POLICY, deal_policy_version, write_policy


def test_identical_content_has_no_changes(tmp_path: Path) -> None:
    new = write_policy(tmp_path, deal_policy_version("2026-07-01", "2026-07-01"), version="2026-07-01")
    assert diff_policies(load_file(SHIPPED_DEAL_POLICY), load_file(new)) == []


def test_changed_setting_and_condition_and_added_rule_are_listed(tmp_path: Path) -> None:
    rule = '  - id: freeze\n    when: "true"\n    outcome: reject\n'
    text = deal_policy_version("2026-07-01", "2026-07-01", rule).replace("  days: 90", "  days: 120")
    text = text.replace("deal.amount > 250000.0", "deal.amount > 200000.0")
    new = write_policy(tmp_path, text, version="2026-07-01")
    changes = [str(change) for change in diff_policies(load_file(SHIPPED_DEAL_POLICY), load_file(new))]
    assert any(change.startswith("rule freeze added: ") for change in changes)
    assert "rule large-deal.when: 'deal.amount > 250000.0' -> 'deal.amount > 200000.0'" in changes
    assert "setting protection.days: 90 -> 120" in changes
    assert not any("moved" in change for change in changes), "an insertion is not a move"
