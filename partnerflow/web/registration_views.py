"""Registrations as the partner API shows them: where each stands and why, in the reader's
language, amounts as exact text.

No ``from __future__ import annotations`` here: pydantic reads the fields' annotations at runtime.
"""

from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, Field

from partnerflow.models import Registration


class RegistrationView(BaseModel):
    """A registration as its partner sees it: where it stands and why, in the partner's language."""

    id: int = Field(examples=[4211])
    status: str = Field(
        examples=["approved"], description="pending-review, approved, rejected, refused, won..."
    )
    outcome: str | None = Field(examples=["approve"], description="the policy's outcome before any review")
    reason: str | None = Field(examples=["Petite affaire d'un partenaire certifié"])
    rule_id: str | None = Field(examples=["small-trusted"])
    policy_version: str | None = Field(examples=["2026-01-01"])
    external_id: str | None = Field(examples=["CRM-000123"])
    customer_name: str = Field(examples=["Acme Industrie SAS"])
    customer_departement: str = Field(examples=["69"])
    product_lines: list[str] = Field(examples=[["network"]])
    amount: str | None = Field(examples=["48000.00"], description="exact decimal, as text")
    currency: str = Field(examples=["EUR"])
    expected_close_on: date | None = Field(examples=["2027-03-31"])
    submitted_at: datetime
    decided_at: datetime | None
    protection_ends_on: date | None = Field(examples=["2027-05-20"])
    problems: list[str] = Field(default_factory=list, description="why a refused submission was refused")

    @classmethod
    def of(cls, row: Registration, locale: str) -> Self:
        """The row's own fields, with its status as text, its reason in ``locale`` and its
        amount as exact text."""
        worded = {"status", "reason", "amount"}
        same = {name: getattr(row, name) for name in cls.model_fields if name not in worded}
        reason = (row.reason_texts or {}).get(locale) or row.reason
        amount = None if row.amount is None else f"{row.amount:.2f}"
        return cls(**same, status=row.status.value, reason=reason, amount=amount)


class RegistrationPage(BaseModel):
    """One page of registrations, newest first; ``next_cursor`` fetches the next one."""

    data: list[RegistrationView]
    next_cursor: int | None = Field(description="pass as starting_after; null on the last page")
