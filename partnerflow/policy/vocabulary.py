"""The facts a policy kind may talk about: names, types and zero values.

An expression that names a fact outside its kind's vocabulary is refused at load time, so a typo
such as ``deal.ammount`` is a validation error, not a rule that silently never fires.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

FactType = type[bool] | type[int] | type[float] | type[str] | type[list[Any]]
Vocabulary = Mapping[str, Mapping[str, FactType]]

_ZERO: dict[FactType, Any] = {bool: False, int: 0, float: 0.0, str: "", list: []}
_STRING_LITERAL = re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"")
_PATH = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(?!\w)(?:\s*\.\s*([A-Za-z_]\w*)(?!\w))?(?!\s*\()")
_COMPREHENSION_VARIABLE = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")
_CEL_WORDS = frozenset({"true", "false", "null", "in"})


def unknown_facts(expression: str, vocabulary: Vocabulary) -> list[str]:
    """Dotted names in a CEL ``expression`` that ``vocabulary`` does not declare, in order."""
    code = _STRING_LITERAL.sub('""', expression)
    bound = set(_COMPREHENSION_VARIABLE.findall(code))
    unknown: list[str] = []
    for root, attribute in _PATH.findall(code):
        if root in _CEL_WORDS or root in bound:
            continue
        if root not in vocabulary:
            unknown.append(root)
        elif attribute and attribute not in vocabulary[root]:
            unknown.append(f"{root}.{attribute}")
    return unknown


def referenced_facts(expressions: list[str], vocabulary: Vocabulary) -> dict[str, tuple[str, ...]]:
    """The ``root -> fields`` the ``expressions`` read (a bare root reads all its fields).

    Converting a Python value into CEL costs about 2 µs, so a policy hands CEL only these.
    """
    used: dict[str, set[str]] = {}
    for expression in expressions:
        code = _STRING_LITERAL.sub('""', expression)
        bound = set(_COMPREHENSION_VARIABLE.findall(code))
        for root, attribute in _PATH.findall(code):
            if root in vocabulary and root not in bound:
                used.setdefault(root, set()).update([attribute] if attribute else vocabulary[root])
    return {root: tuple(sorted(fields)) for root, fields in sorted(used.items())}


def complete_facts(partial: Mapping[str, Any], vocabulary: Vocabulary) -> dict[str, Any]:
    """``partial`` facts filled up with zero values, refusing names outside ``vocabulary``.

    Policy test cases use this so each case only states the facts it is about.
    """
    unknown = [f"{root}" for root in partial if root not in vocabulary]
    for root, values in partial.items():
        if root in vocabulary and isinstance(values, Mapping):
            unknown += [f"{root}.{name}" for name in values if name not in vocabulary[root]]
    if unknown:
        raise ValueError(f"unknown facts: {', '.join(unknown)}")
    facts: dict[str, Any] = {}
    for root, fields in vocabulary.items():
        given = partial.get(root) or {}
        facts[root] = {name: given.get(name, _zero(kind)) for name, kind in fields.items()}
    return facts


def _zero(kind: FactType) -> Any:
    value = _ZERO[kind]
    return list(value) if isinstance(value, list) else value
