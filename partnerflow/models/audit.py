"""The append-only audit trail: who decided what, under which policy version and rule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import json_field, timestamp_field


class AuditEvent(SQLModel, table=True):
    """One fact in the trail. Rows are never updated or deleted (enforced by ORM hooks)."""

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = timestamp_field(index=True)
    actor: str = Field(max_length=254, description="e-mail of a person, or system:<component>")
    action: str = Field(max_length=80, index=True)
    subject_type: str = Field(max_length=40)
    subject_id: str = Field(max_length=80, index=True)
    policy_kind: str | None = Field(default=None, max_length=40)
    policy_version: str | None = Field(default=None, max_length=40)
    policy_sha256: str | None = Field(default=None, max_length=64)
    rule_id: str | None = Field(default=None, max_length=80)
    details: dict[str, Any] = json_field()


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit event."""


def _refuse_change(_mapper: Mapper[Any], _connection: Any, target: AuditEvent) -> None:
    raise AuditTrailIsAppendOnly(f"audit event {target.id} cannot be changed or deleted")


event.listen(AuditEvent, "before_update", _refuse_change)
event.listen(AuditEvent, "before_delete", _refuse_change)


class AuditLink(SQLModel, table=True):
    """An event's place in the chain, written when it is sealed: the hash of every sealed event up
    to and including it (``audit_chain``). Lets ``audit verify`` name the first row that differs."""

    __tablename__ = "audit_link"

    event_id: int = Field(primary_key=True)
    chain_hash: str = Field(max_length=64)


class AuditSeal(SQLModel, table=True):
    """A checkpoint of the chain: its hash after ``last_event_id``, with the key's MAC over both.
    Without the key, rewriting events and links consistently still breaks the MAC."""

    __tablename__ = "audit_seal"

    id: int | None = Field(default=None, primary_key=True)
    last_event_id: int = Field(index=True)
    chain_hash: str = Field(max_length=64)
    mac: str = Field(max_length=64)
    sealed_at: datetime = timestamp_field()
