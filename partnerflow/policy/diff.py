"""What changed between two versions of a policy, in the programme owner's terms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from partnerflow.policy.decision import Policy

_IDENTITY = {"kind", "version", "effective_from", "description", "rules", "default", "tests"}


@dataclass(frozen=True)
class Change:
    """One difference: ``what`` is ``setting``, ``rule`` or ``default``; values are as in YAML."""

    what: str
    name: str
    change: str  # added, removed, changed, moved
    before: Any = None
    after: Any = None

    def __str__(self) -> str:
        if self.change == "changed":
            return f"{self.what} {self.name}: {self.before!r} -> {self.after!r}"
        if self.change == "moved":
            return f"{self.what} {self.name}: moved from position {self.before} to {self.after}"
        value = self.after if self.change == "added" else self.before
        return f"{self.what} {self.name} {self.change}: {value!r}"


def diff_policies(old: Policy[Any], new: Policy[Any]) -> list[Change]:
    """Settings, rules (matched by id, with order) and default that differ from ``old`` to ``new``.

    Rule order matters (first match wins), so a rule that moved is reported too.
    """
    before = old.document.model_dump(mode="json", exclude_none=True)
    after = new.document.model_dump(mode="json", exclude_none=True)
    changes = _settings(before, after)
    changes += _rules(before["rules"], after["rules"])
    if before["default"] != after["default"]:
        changes.append(Change("default", "", "changed", before["default"], after["default"]))
    return changes


def _settings(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    before = _flatten({k: v for k, v in before.items() if k not in _IDENTITY})
    after = _flatten({k: v for k, v in after.items() if k not in _IDENTITY})
    changes = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            changes.append(Change("setting", key, "removed", before=before[key]))
        elif key not in before:
            changes.append(Change("setting", key, "added", after=after[key]))
        elif before[key] != after[key]:
            changes.append(Change("setting", key, "changed", before[key], after[key]))
    return changes


def _flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested settings as dotted keys, so a change reads ``protection.days: 90 -> 120``."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _rules(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[Change]:
    old = {rule["id"]: (index, rule) for index, rule in enumerate(before)}
    new = {rule["id"]: (index, rule) for index, rule in enumerate(after)}
    changes = [Change("rule", rid, "removed", before=old[rid][1]) for rid in old if rid not in new]
    for rid, (index, rule) in new.items():
        if rid not in old:
            changes.append(Change("rule", rid, "added", after=rule))
            continue
        old_index, old_rule = old[rid]
        for key in sorted(set(rule) | set(old_rule)):
            if rule.get(key) != old_rule.get(key):
                changes.append(Change("rule", f"{rid}.{key}", "changed", old_rule.get(key), rule.get(key)))
        if _rank(old_index, before, new) != _rank(index, after, old):
            changes.append(Change("rule", rid, "moved", old_index + 1, index + 1))
    return changes


def _rank(index: int, rules: list[dict[str, Any]], other: dict[str, Any]) -> int:
    """Position among the rules both versions share, so an insertion does not look like a move."""
    return sum(1 for rule in rules[:index] if rule["id"] in other)
