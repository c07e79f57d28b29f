"""How partners' systems reach partnerflow themselves: their API keys, and the responses kept
for an ``Idempotency-Key``.

Nothing usable is stored: an API key keeps its secret's keyed digest (the key is shown once, at
creation). Every row belongs to one partner, and every read of the API is filtered by the
partner of the key.

No ``from __future__ import annotations`` here: SQLModel resolves column types at runtime.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import json_field, timestamp_field


def partner_column(*, index: bool = True) -> Any:
    """The partner a row belongs to (RESTRICT: partners are never deleted)."""
    return Field(
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=False, index=index)
    )


class ApiKey(SQLModel, table=True):
    """A key to ``/api/v1``, of a partner's system or of the vendor's own: its scopes, who made
    it, when it was last used, and whether it is revoked. ``prefix`` is the public part people
    recognise it by."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("partner.id", ondelete="RESTRICT"), nullable=True, index=True),
        description="None: a key of the vendor's own systems (its CRM, its website), for /vendor routes",
    )
    name: str = Field(max_length=80)
    prefix: str = Field(max_length=40, unique=True)
    secret_digest: str = Field(max_length=64, unique=True)
    scopes: list[str] = json_field(list)
    created_by: str = Field(max_length=254)
    created_at: datetime = timestamp_field()
    last_used_at: datetime | None = timestamp_field(nullable=True)
    revoked_at: datetime | None = timestamp_field(nullable=True)


class IdempotentResponse(SQLModel, table=True):
    """The first response to a POST carrying an ``Idempotency-Key``, per API key: the same key
    and body get it again; the same key with another body is refused (kept 24 hours)."""

    __tablename__ = "idempotent_response"
    __table_args__ = (UniqueConstraint("api_key_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(
        sa_column=Column(Integer, ForeignKey("api_key.id", ondelete="RESTRICT"), nullable=False)
    )
    idempotency_key: str = Field(max_length=255)
    request_digest: str = Field(max_length=64)
    status_code: int
    body: dict[str, Any] = json_field()
    created_at: datetime = timestamp_field(index=True)
