"""Compiled pieces of a rule: a CEL condition and a reason template.

Both are compiled once, when the policy loads, and checked against the kind's fact vocabulary.
Validation context (``{"vocabulary": ...}``) is how the kind's vocabulary reaches them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import cel
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import ValidationInfo

from partnerflow.policy.vocabulary import Vocabulary, unknown_facts

_REASONS = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)

# The CEL engine (cel 0.14, Rust) panics -- killing the process -- when it reports a syntax
# error far into a long expression (measured at 105,000 characters), refuses nesting beyond
# about 100 levels, and evaluates a policy's rules as one chain: these limits keep every
# expression far inside what it handles (a shipped rule is under 200 characters).
MAX_CONDITION_CHARS = 2000
MAX_NESTING = 32
MAX_RULES = 60


def vocabulary_from(info: ValidationInfo) -> Vocabulary:
    context = info.context or {}
    vocabulary: Vocabulary = context.get("vocabulary", {})
    return vocabulary


def compile_condition(expression: str, vocabulary: Vocabulary) -> cel.Program:
    """Compile a CEL ``expression``; raise ``ValueError`` on a syntax error, an unknown fact, or
    an expression beyond the limits above."""
    if len(expression) > MAX_CONDITION_CHARS:
        raise ValueError(f"condition of {len(expression)} characters; at most {MAX_CONDITION_CHARS}")
    if _nesting(expression) > MAX_NESTING:
        raise ValueError(f"condition nested deeper than {MAX_NESTING} brackets")
    try:
        program = cel.compile(expression)
    except ValueError as error:
        raise ValueError(f"CEL syntax error: {_first_line(error)}") from None
    except BaseException as error:  # pyo3's PanicException derives from BaseException
        if type(error).__name__ != "PanicException":
            raise
        raise ValueError("the CEL engine could not parse this condition") from None
    unknown = unknown_facts(expression, vocabulary)
    if unknown:
        known = ", ".join(f"{root}.*" for root in vocabulary)
        raise ValueError(f"unknown fact {', '.join(unknown)} (known: {known})")
    return program


def _nesting(expression: str) -> int:
    depth = deepest = 0
    for char in expression:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def check_reason(template: str, vocabulary: Vocabulary) -> str:
    """Refuse a reason template that does not parse or names facts the kind does not have."""
    try:
        parsed = _REASONS.parse(template)
    except TemplateSyntaxError as error:
        raise ValueError(f"reason template: {error.message}") from None
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(vocabulary))
    if unknown:
        raise ValueError(f"reason template names unknown fact {', '.join(unknown)}")
    return template


@lru_cache(maxsize=512)
def _compiled_reason(template: str) -> Template:
    return _REASONS.from_string(template)


def render_reason(template: str, facts: dict[str, Any]) -> str:
    """The reason text for ``facts``; a reason without Jinja markup is returned as written."""
    if "{" not in template:
        return template
    return _compiled_reason(template).render(facts)


def _first_line(error: Exception) -> str:
    text = str(error)
    detail = text.split("ERROR: <input>:", 1)[-1]
    return detail.splitlines()[0].strip()
