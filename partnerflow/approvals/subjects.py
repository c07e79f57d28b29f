"""The thing decided, named by its declared kind and its id."""

from __future__ import annotations

from dataclasses import dataclass

from partnerflow.approvals.declarations import decision_kind


@dataclass(frozen=True)
class Subject:
    """The thing decided: a registration, a campaign, a settlement batch, a year's rebalancing."""

    kind: str
    id: int

    def __post_init__(self) -> None:
        try:
            decision_kind(self.kind)
        except LookupError as error:
            raise ValueError(f"unknown subject kind {self.kind!r}") from error

    @property
    def answers(self) -> tuple[str, ...]:
        """The answers a person may give about it (its kind's)."""
        return decision_kind(self.kind).answers

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"
