"""A broken policy never loads, and each defect is one line naming the file, line and rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from partnerflow.policy import PolicyError, PolicyLibrary, load_file, validate_paths
from tests.factories import deal_policy_version, shipped_deal_policy, write_policy


def problems_of(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_file(path)
    return [str(problem) for problem in caught.value.problems]


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = write_policy(tmp_path, shipped_deal_policy(**{"  days: 90": "  days: [90"}))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:")
    assert "malformed YAML" in problem


def test_cel_syntax_error_names_file_line_and_rule(tmp_path: Path) -> None:
    path = write_policy(tmp_path, shipped_deal_policy(**{"deal.days_to_close > 365": "deal.days_to_close >"}))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{line_of(path, 'deal.days_to_close >')}: rule close-too-far: ")
    assert "CEL syntax error" in problem


def test_unknown_fact_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path, shipped_deal_policy(**{"deal.amount > 250000.0": "deal.ammount > 250000.0"})
    )
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{line_of(path, 'deal.ammount')}: rule large-deal: ")
    assert "unknown fact deal.ammount" in problem


def test_unknown_fact_root_is_refused(tmp_path: Path) -> None:
    path = write_policy(tmp_path, shipped_deal_policy(**{"deal.amount > 250000.0": "customer.size > 3"}))
    assert "unknown fact customer" in problems_of(path)[0]


def test_strings_and_comprehension_variables_are_not_facts(tmp_path: Path) -> None:
    rule = ('deal.product_lines.exists(line, line == "partner.secret")', "deal.amount > 250000.0")
    path = write_policy(tmp_path, shipped_deal_policy(**{rule[1]: rule[0]}))
    assert load_file(path).kind == "deal_registration"


def test_duplicate_rule_id_names_the_second_occurrence(tmp_path: Path) -> None:
    path = write_policy(tmp_path, shipped_deal_policy(**{"id: mid-proven": "id: small-trusted"}))
    lines = path.read_text(encoding="utf-8").splitlines()
    second = [number for number, line in enumerate(lines, 1) if "id: small-trusted" in line][1]
    assert problems_of(path)[0] == f"{path}:{second}: rule small-trusted: duplicate rule id"


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        shipped_deal_policy(
            **{"    outcome: approve\n\n  - id: mid": "    outcome: approve\n    priority: 1\n\n  - id: mid"}
        ),
    )
    [problem] = problems_of(path)
    assert "rule small-trusted: priority: unknown key" in problem


def test_wrong_outcome_for_the_kind_is_refused(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        shipped_deal_policy(**{"outcome: approve\n\n  - id: mid": "outcome: accept\n\n  - id: mid"}),
    )
    [problem] = problems_of(path)
    assert "rule small-trusted: outcome: Input should be 'approve', 'reject' or 'review'" in problem


def test_reason_naming_an_unknown_fact_is_refused(tmp_path: Path) -> None:
    path = write_policy(tmp_path, shipped_deal_policy(**{"{{ partner.status }}": "{{ partnr.status }}"}))
    assert (
        "rule partner-not-active: reason: reason template names unknown fact partnr" in problems_of(path)[0]
    )


def test_file_name_must_be_its_version(tmp_path: Path) -> None:
    path = write_policy(tmp_path, shipped_deal_policy(), version="2026-02-01")
    assert "file name must be the version: 2026-01-01.yaml" in problems_of(path)[0]


def test_a_failing_own_test_fails_validation_with_its_line(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        shipped_deal_policy(
            **{"    expect: approve\n    rule: small-trusted": "    expect: reject\n    rule: small-trusted"}
        ),
    )
    _policies, problems = validate_paths([path])
    [problem] = problems
    assert str(problem).startswith(f"{path}:{line_of(path, '- name: small deal from')}: rule small-trusted: ")
    assert "expected reject by small-trusted, got approve by small-trusted" in str(problem)


def test_two_versions_on_the_same_day_are_refused(tmp_path: Path) -> None:
    write_policy(tmp_path, deal_policy_version("2026-01-01", "2026-01-01"))
    write_policy(tmp_path, deal_policy_version("2026-01-01b", "2026-01-01"), version="2026-01-01b")
    with pytest.raises(PolicyError, match=r"effective_from 2026-01-01 is also the date of 2026-01-01\.yaml"):
        PolicyLibrary.load(tmp_path)


def test_one_broken_file_stops_the_whole_library_from_loading(tmp_path: Path) -> None:
    write_policy(tmp_path, deal_policy_version("2026-01-01", "2026-01-01"))
    write_policy(
        tmp_path,
        deal_policy_version("2026-06-01", "2026-06-01").replace("days: 90", "days: -1"),
        version="2026-06-01",
    )
    with pytest.raises(PolicyError, match=r"2026-06-01\.yaml:\d+: protection\.days"):
        PolicyLibrary.load(tmp_path)


def test_a_reason_written_per_locale_needs_every_locale(tmp_path: Path) -> None:
    only_french = 'reason:\n      fr: "Les affaires de plus de 250 000 € demandent deux directeurs."'
    path = write_policy(
        tmp_path,
        shipped_deal_policy(**{'reason: "Deals above 250,000 need two director approvals."': only_french}),
    )
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:") and "rule large-deal" in problem
    assert "needs one text per locale (fr, en): missing en" in problem
