"""Reading policy files: validation with line numbers, the version in force, and the library.

Files live at ``<policies_dir>/<kind>/<version>.yaml``. A released file is never edited; a change
is a new file with a later ``effective_from``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from partnerflow.policy.decision import Policy, PolicyStamp
from partnerflow.policy.errors import NoPolicyInForce, PolicyError, Problem
from partnerflow.policy.kinds import POLICY_KINDS
from partnerflow.policy.sourcemap import SourceMap, load_yaml_with_lines


def load_file(path: Path) -> Policy[Any]:
    """Load, validate and compile one policy file.

    Raises:
        PolicyError: with one :class:`Problem` per defect, each naming the line (and rule).
    """
    try:
        raw_bytes = path.read_bytes()
        data, source_map = load_yaml_with_lines(raw_bytes.decode("utf-8"))
    except OSError as error:
        raise PolicyError([Problem(path, 1, f"cannot read: {error.strerror}")]) from None
    except UnicodeDecodeError:
        raise PolicyError([Problem(path, 1, "not UTF-8 text")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(error, "problem", None) or str(error)
        raise PolicyError([Problem(path, line, f"malformed YAML: {problem}")]) from None

    problems = _structural_problems(path, data, source_map)
    if not isinstance(data, dict) or data.get("kind") not in POLICY_KINDS:
        raise PolicyError(problems)
    document_type = POLICY_KINDS[data["kind"]]
    try:
        document = document_type.model_validate(data, context={"vocabulary": document_type.VOCABULARY})
    except ValidationError as error:
        problems += _problems_from(path, error, data, source_map)
    if problems:
        raise PolicyError(problems)
    stamp = PolicyStamp(data["kind"], document.version, hashlib.sha256(raw_bytes).hexdigest())
    if path.stem != document.version:
        raise PolicyError(
            [
                Problem(
                    path,
                    source_map.line_of(("version",)),
                    f"file name must be the version: {document.version}.yaml",
                )
            ]
        )
    return Policy(document, path, stamp, source_map)


def _structural_problems(path: Path, data: Any, source_map: SourceMap) -> list[Problem]:
    if not isinstance(data, dict):
        return [Problem(path, 1, "a policy file is a mapping with kind, version, rules, ...")]
    problems = [Problem(path, line, f"duplicate key {key!r}") for key, line in source_map.duplicate_keys]
    kind = data.get("kind")
    if kind not in POLICY_KINDS:
        known = ", ".join(sorted(POLICY_KINDS))
        problems.append(Problem(path, source_map.line_of(("kind",)), f"kind {kind!r} is not one of: {known}"))
    elif path.parent.name != kind:
        problems.append(
            Problem(
                path,
                source_map.line_of(("kind",)),
                f"a {kind} policy belongs in a folder named {kind}/",
            )
        )
    seen: set[str] = set()
    for index, rule in enumerate(data.get("rules") or []):
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if isinstance(rule_id, str) and rule_id in seen:
            line = source_map.line_of(("rules", index, "id"))
            problems.append(Problem(path, line, "duplicate rule id", rule_id))
        if isinstance(rule_id, str):
            seen.add(rule_id)
    return problems


def _problems_from(
    path: Path, error: ValidationError, data: dict[str, Any], source_map: SourceMap
) -> list[Problem]:
    problems = []
    for item in error.errors():
        location = tuple(item["loc"])
        if location == ("rules",) and "duplicate rule id" in str(item["msg"]):
            continue  # reported with its line by _structural_problems
        rule_id = _rule_id_at(data, location)
        field = ".".join(str(part) for part in (location[2:] if rule_id else location))
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (not allowed here)"
        problems.append(
            Problem(
                path,
                source_map.line_of(location),
                f"{field}: {message}" if field else message,
                rule_id,
            )
        )
    return problems


def _rule_id_at(data: dict[str, Any], location: tuple[Any, ...]) -> str | None:
    if len(location) >= 2 and location[0] == "rules" and isinstance(location[1], int):
        rule = data["rules"][location[1]]
        if isinstance(rule, dict) and isinstance(rule.get("id"), str):
            return str(rule["id"])
        return f"#{location[1] + 1}"
    return None


@dataclass(frozen=True)
class PolicyLibrary:
    """Every version of every kind found under a directory, validated together."""

    directory: Path
    policies: tuple[Policy[Any], ...]

    @classmethod
    def load(cls, directory: Path) -> PolicyLibrary:
        """Load all ``<kind>/*.yaml`` under ``directory``; raise one PolicyError listing all defects."""
        problems: list[Problem] = []
        policies: list[Policy[Any]] = []
        for path in policy_files(directory):
            try:
                policies.append(load_file(path))
            except PolicyError as error:
                problems.extend(error.problems)
        problems.extend(clashing_effective_dates(policies))
        if problems:
            raise PolicyError(problems)
        return cls(directory, tuple(sorted(policies, key=lambda p: (p.kind, p.document.effective_from))))

    def versions(self, kind: str) -> list[Policy[Any]]:
        """The versions of ``kind``, oldest effective date first."""
        return [policy for policy in self.policies if policy.kind == kind]

    def in_force(self, kind: str, as_of: date) -> Policy[Any]:
        """The version of ``kind`` effective on ``as_of`` (the latest effective_from not after it)."""
        candidates = [p for p in self.versions(kind) if p.document.effective_from <= as_of]
        if not candidates:
            where = self.directory / kind
            raise NoPolicyInForce([Problem(where, 1, f"no {kind} policy is in force on {as_of}")])
        return candidates[-1]


def policy_files(directory: Path) -> list[Path]:
    """Policy files under ``directory``: ``<kind>/*.yaml``, skipping the exported schema folder."""
    return sorted(path for path in directory.glob("*/*.yaml") if path.parent.name != "schema")


def clashing_effective_dates(policies: Iterable[Policy[Any]]) -> list[Problem]:
    """Two versions of one kind may not start on the same day: which would be in force?"""
    first_seen: dict[tuple[str, date], Policy[Any]] = {}
    problems = []
    for policy in policies:
        key = (policy.kind, policy.document.effective_from)
        if key in first_seen:
            other = first_seen[key]
            problems.append(
                Problem(
                    policy.path,
                    policy.source_map.line_of(("effective_from",)),
                    f"effective_from {key[1]} is also the date of {other.path.name}",
                )
            )
        else:
            first_seen[key] = policy
    return problems


@lru_cache(maxsize=4)
def _library(directory: Path) -> PolicyLibrary:
    return PolicyLibrary.load(directory)


def load_policy(kind: str, as_of: date, directory: Path) -> Policy[Any]:
    """The version of ``kind`` in force on ``as_of``, from a library cached per directory.

    Example:
        >>> policy = load_policy("deal_registration", date(2026, 11, 23), Path("policies"))
        >>> policy.decide(facts).outcome
    """
    return _library(directory.resolve()).in_force(kind, as_of)


def forget_loaded_policies() -> None:
    """Drop the cache so edited or added files are read again (tests, long-running servers)."""
    _library.cache_clear()
