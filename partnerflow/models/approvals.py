"""Decisions people make: what is asked of whom, their personal grants, and their answers.

A request is one round of one subject's decision for one role (a registration's review at the
director level, a campaign's supply-chain sign-off, a settlement's finance approval). Every
entitled person gets a grant: the personal, single-use, expiring credential their link and
code stand for. An answer is unique per request and person, so four eyes counts people, not
clicks, and a replayed link changes nothing.

No ``from __future__ import annotations`` here: SQLModel resolves column types at runtime.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import json_field, timestamp_field


def request_column() -> Any:
    """The request a grant or an answer belongs to (a new Column per table, as SQLAlchemy needs)."""
    return Field(
        sa_column=Column(
            Integer, ForeignKey("approval_request.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )


def person_column() -> Any:
    """The person a grant or an answer is for."""
    return Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="RESTRICT"), nullable=False))


class ApprovalRequest(SQLModel, table=True):
    """One round of a subject's decision asked of one role."""

    __tablename__ = "approval_request"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id", "round", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: str = Field(max_length=32, index=True)
    subject_id: int = Field(index=True)
    round: int = Field(ge=1)
    role: str = Field(max_length=32)
    approvers_required: int = Field(default=1, ge=1)
    summary: str = Field(default="", sa_type=Text)  # the Markdown the approver reads
    flow_run_id: str | None = Field(default=None, max_length=36)
    requested_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field()
    closed_at: datetime | None = timestamp_field(nullable=True)
    reminded_at: datetime | None = timestamp_field(nullable=True)  # the decision clock's last reminder
    escalated_at: datetime | None = timestamp_field(nullable=True)  # the escalation role was told


class ApprovalGrant(SQLModel, table=True):
    """A person's right to answer one request once: their link and code point here."""

    __tablename__ = "approval_grant"
    __table_args__ = (UniqueConstraint("request_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = request_column()
    person_id: int = person_column()
    code_digest: str = Field(max_length=64, unique=True)  # HMAC of the code; the code is only mailed
    issued_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field()
    used_at: datetime | None = timestamp_field(nullable=True)


class ApprovalAnswer(SQLModel, table=True):
    """What one authenticated person answered to one request; applied once by the process."""

    __tablename__ = "approval_answer"
    __table_args__ = (UniqueConstraint("request_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = request_column()
    person_id: int = person_column()
    person_email: str = Field(max_length=254)
    decision: str = Field(max_length=16)
    comment: str = Field(default="", sa_type=Text)
    details: dict[str, Any] = json_field()
    via: str = Field(max_length=16)  # link, code, operator
    actor: str = Field(max_length=254)  # who acted: the person, or operator:<os user> on their behalf
    reason: str = Field(default="", sa_type=Text)  # why an operator answered for them
    answered_at: datetime = timestamp_field()
    applied_at: datetime | None = timestamp_field(nullable=True, index=True)
    mac: str = Field(default="", max_length=64)  # over all of the above: approvals.answer_seal


class SignInLink(SQLModel, table=True):
    """A magic link mailed on request, used once, short-lived: to the inbox for one of the
    vendor's people (``person_id``), to the partner portal for a partner's contact
    (``contact_id``); exactly one of the two. Only the nonce's digest is kept (the link itself
    is only mailed)."""

    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (contact_id IS NULL)", name="sign_in_link_one_holder"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="RESTRICT"), nullable=True, index=True),
    )
    contact_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("partner_contact.id", ondelete="RESTRICT"), nullable=True, index=True
        ),
    )
    nonce_digest: str = Field(max_length=64, unique=True)
    issued_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field()
    used_at: datetime | None = timestamp_field(nullable=True)
    signed_out_at: datetime | None = timestamp_field(nullable=True)  # the session it opened ended
