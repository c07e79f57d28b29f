"""Partners' webhooks: the endpoints a partner's admin registers, the events partnerflow
publishes for a partner, and one delivery per event and endpoint (the unique key makes it once).

The signing secret of an endpoint is never stored: it is derived from the installation's key,
the endpoint and its ``generation`` (rotating bumps it), shown once to the admin who made it.

No ``from __future__ import annotations`` here: SQLModel resolves column types at runtime.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import enum_type, json_field, timestamp_field
from partnerflow.models.partner_access import partner_column


class DeliveryState(StrEnum):
    PENDING = "pending"  # due at next_attempt_at
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # every attempt failed; the admin may send it again


class WebhookEndpoint(SQLModel, table=True):
    """Where a partner wants its events POSTed, and which."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = partner_column()
    url: str = Field(max_length=500)
    events: list[str] = json_field(list)
    generation: int = 1  # the secret's: rotating it makes a new one
    created_by: str = Field(max_length=254)
    created_at: datetime = timestamp_field()
    disabled_at: datetime | None = timestamp_field(nullable=True)


class WebhookEvent(SQLModel, table=True):
    """Something that happened to a partner's object, once (``key`` names the business event)."""

    __tablename__ = "webhook_event"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = partner_column()
    type: str = Field(max_length=60)
    key: str = Field(max_length=200, unique=True)
    data: dict[str, Any] = json_field()
    created_at: datetime = timestamp_field(index=True)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: its attempts, and where it stands."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("event_id", "endpoint_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(
        sa_column=Column(Integer, ForeignKey("webhook_event.id", ondelete="RESTRICT"), nullable=False)
    )
    endpoint_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("webhook_endpoint.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    state: DeliveryState = Field(default=DeliveryState.PENDING, sa_type=enum_type(DeliveryState), index=True)
    attempts: int = 0
    next_attempt_at: datetime = timestamp_field(index=True)
    leased_until: datetime | None = timestamp_field(nullable=True)
    last_status: int | None = None
    last_error: str = Field(default="", max_length=300)
    delivered_at: datetime | None = timestamp_field(nullable=True)
