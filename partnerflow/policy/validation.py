"""``partnerflow policy validate``: every check a policy file must pass before release."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from partnerflow.policy.decision import Policy
from partnerflow.policy.errors import PolicyError, Problem
from partnerflow.policy.loader import clashing_effective_dates, load_file, policy_files
from partnerflow.policy.selftest import run_policy_tests


def validate_paths(paths: Iterable[Path]) -> tuple[list[Policy[Any]], list[Problem]]:
    """Load each file (directories are searched for ``<kind>/*.yaml``) and run its own tests.

    Returns the policies that loaded and every problem found; an empty problem list means the
    files are fit to release.
    """
    files: list[Path] = []
    for path in paths:
        files.extend(policy_files(path) if path.is_dir() else [path])
    policies: list[Policy[Any]] = []
    problems: list[Problem] = []
    for file in files:
        try:
            policy = load_file(file)
        except PolicyError as error:
            problems.extend(error.problems)
            continue
        policies.append(policy)
        problems.extend(run_policy_tests(policy))
    problems.extend(clashing_effective_dates(policies))
    return policies, problems
