"""The notification outbox: every e-mail is a row before it is a message on the wire."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from partnerflow.models.columns import enum_type, json_field, timestamp_field


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notification(SQLModel, table=True):
    """A rendered message waiting for (or done with) delivery.

    ``dedupe_key`` is unique: enqueuing the same business event twice (a flow retry, a re-run)
    stores one row, so a partner never receives the same notification twice. The bodies never
    hold a credential: ``sealed`` says how the sender makes each one again (``notify.sealing``).
    """

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    recipient: str = Field(max_length=254, index=True)
    template: str = Field(max_length=80)
    locale: str = Field(max_length=5)
    subject: str = Field(max_length=998)
    text_body: str = Field(sa_type=Text)
    html_body: str = Field(sa_type=Text)
    sealed: dict[str, Any] = json_field()  # marker -> [kind, *ids] of each credential in the bodies
    status: DeliveryStatus = Field(
        default=DeliveryStatus.PENDING, sa_type=enum_type(DeliveryStatus), index=True
    )
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = timestamp_field()
    next_attempt_at: datetime = timestamp_field(index=True)
    claimed_until: datetime | None = timestamp_field(nullable=True)
    sent_at: datetime | None = timestamp_field(nullable=True)
    message_id: str | None = Field(default=None, max_length=254)
