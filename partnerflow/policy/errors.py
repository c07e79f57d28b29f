"""Policy problems and the one exception that carries them.

Exception hierarchy::

    PolicyError              a policy file (or set of files) cannot be used; .problems lists why
    └── NoPolicyInForce      no version of a kind is effective on the requested date
    PolicyEvaluationError    facts handed to a loaded policy do not fit its vocabulary

Every problem prints as ``PATH:LINE: rule <id>: message`` so editors and CI can jump to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy file, located as precisely as the YAML allows."""

    path: Path
    line: int
    message: str
    rule_id: str | None = None

    def __str__(self) -> str:
        rule = f"rule {self.rule_id}: " if self.rule_id else ""
        return f"{self.path}:{self.line}: {rule}{self.message}"


class PolicyError(Exception):
    """A policy could not be loaded; fix each listed problem (``partnerflow policy validate``)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class NoPolicyInForce(PolicyError):
    """No version of the kind is effective on that date: add one with an earlier effective_from."""


class PolicyEvaluationError(Exception):
    """The facts given to a policy are incomplete or mistyped: a bug in the caller's fact builder."""
