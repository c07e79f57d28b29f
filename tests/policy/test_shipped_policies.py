"""Every shipped policy file is valid, passes its own tests, and its JSON schema is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from partnerflow.cli.policy_commands import json_schemas
from partnerflow.policy import (
    POLICY_KINDS,
    PolicyLibrary,
    load_file,
    policy_files,
    run_policy_tests,
)
from partnerflow.settings import PROJECT_ROOT

POLICIES = PROJECT_ROOT / "policies"


@pytest.mark.parametrize("path", policy_files(POLICIES), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_policy_file_passes_its_own_tests(path: Path) -> None:
    policy = load_file(path)
    assert policy.document.tests, "every policy file carries test cases"
    assert run_policy_tests(policy) == []


def test_every_kind_has_a_version_in_force_from_2026() -> None:
    library = PolicyLibrary.load(POLICIES)
    assert {policy.kind for policy in library.policies} == set(POLICY_KINDS)


def test_rebalancing_defaults_are_the_programme_guidance() -> None:
    thresholds = load_file(POLICIES / "rebalancing" / "2026-01-01.yaml").document.thresholds
    assert (thresholds.resellers_per_territory.min, thresholds.resellers_per_territory.max) == (
        4,
        5,
    )
    assert thresholds.min_leads_per_year == 10
    assert (thresholds.min_open_rate, thresholds.min_processing_rate) == (0.90, 0.80)
    assert (thresholds.closing_rate.min, thresholds.closing_rate.max) == (0.50, 0.60)


@pytest.mark.parametrize("kind", sorted(POLICY_KINDS))
def test_exported_json_schema_is_current(kind: str) -> None:
    exported = (POLICIES / "schema" / f"{kind}.json").read_text(encoding="utf-8")
    assert exported == json_schemas()[kind], "run `make schema` and commit policies/schema/"


@pytest.mark.parametrize("kind", ["deal_registration", "rebalancing"])
def test_the_newest_version_gives_partners_every_reason_in_every_locale(kind: str) -> None:
    """Partners read these reasons in their e-mails; a single text would reach French partners
    in English (coverage details are for the channel team and are not checked)."""
    newest = max((POLICIES / kind).glob("*.yaml"), key=lambda path: path.stem)
    document = load_file(newest).document
    for action in [*document.rules, document.default]:
        if action.reason is not None:
            assert isinstance(action.reason, dict) and set(action.reason) == {"fr", "en"}, (
                f"{newest.name}: {getattr(action, 'id', 'default')}"
            )
