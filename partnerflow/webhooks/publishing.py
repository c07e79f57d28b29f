"""Publishing an event for a partner: in the transaction of the change it reports (an outbox:
committed together or not at all), once per business event (its ``key``), one delivery per
endpoint of the partner that wants it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from partnerflow.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


def publish(
    session: Session, partner_id: int, event_type: str, *, key: str, data: dict[str, Any], now: datetime
) -> int:
    """Queue ``event_type`` for each live endpoint of ``partner_id`` that wants it; how many
    deliveries were queued (0 when nobody listens or ``key`` was published before)."""
    endpoints = [
        endpoint
        for endpoint in session.exec(
            select(WebhookEndpoint).where(
                WebhookEndpoint.partner_id == partner_id, col(WebhookEndpoint.disabled_at).is_(None)
            )
        )
        if event_type in endpoint.events
    ]
    if not endpoints or session.exec(select(WebhookEvent.id).where(WebhookEvent.key == key)).first():
        return 0
    event = WebhookEvent(partner_id=partner_id, type=event_type, key=key, data=data, created_at=now)
    try:
        with session.begin_nested():  # another transaction published the same key first
            session.add(event)
            session.flush()
    except IntegrityError:
        return 0
    assert event.id is not None
    for endpoint in endpoints:
        assert endpoint.id is not None
        session.add(WebhookDelivery(event_id=event.id, endpoint_id=endpoint.id, next_attempt_at=now))
    session.flush()
    return len(endpoints)


def listeners(session: Session, event_type: str) -> set[int]:
    """The partners with a live endpoint that wants ``event_type``: a batch asks once, then
    publishes for those only."""
    rows = session.exec(
        select(WebhookEndpoint.partner_id, WebhookEndpoint.events).where(
            col(WebhookEndpoint.disabled_at).is_(None)
        )
    )
    return {partner_id for partner_id, events in rows if event_type in events}
