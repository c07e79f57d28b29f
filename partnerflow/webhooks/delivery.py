"""Sending what was published: a run claims due deliveries (a lease, so two senders never take
the same one), POSTs each event signed as Standard Webhooks says, and records the answer.

- ``webhook-id`` is the event's (``evt_<id>``), the same on every retry and replay: a receiver
  keeps the first and ignores the others; ``webhook-timestamp`` is the time of sending and
  ``webhook-signature`` the HMAC of id, timestamp and body with the endpoint's secret (made from
  the installation's key at each sending: ``Keys.webhook_secret``).
- A 2xx answer delivers; anything else (an error, a timeout, a redirect: never followed) is
  tried again after 1 min, 2, 4... up to 6 h between tries, ``MAX_ATTEMPTS`` times in all, then
  the delivery is failed and the partner's admin may send it again from the portal.
- The host is resolved again before each POST: an address that became private is refused.
- Only a crash between the POST and its record can send an event twice; the receiver's
  deduplication on ``webhook-id`` absorbs it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select
from standardwebhooks.webhooks import Webhook

from partnerflow.approvals import Keys
from partnerflow.clock import SYSTEM_CLOCK, Clock
from partnerflow.models import DeliveryState, WebhookDelivery, WebhookEndpoint, WebhookEvent
from partnerflow.notify.sender import backoff  # the outbox's: 1, 2, 4... minutes, up to 6 h
from partnerflow.partner_access.trail import partner_event
from partnerflow.webhooks.endpoints import is_public_host

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 10  # about a day and a half of trying
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass
class WebhookReport:
    """What one run did: deliveries delivered, to be tried again, failed for good."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    problems: list[str] = field(default_factory=list)


def deliver_webhooks(
    engine: Engine,
    keys: Keys,
    *,
    allow_private: bool = False,
    limit: int = 200,
    clock: Clock = SYSTEM_CLOCK,
) -> WebhookReport:
    """Send up to ``limit`` due deliveries (the machine's clock: leases and the signed timestamp
    are about real time)."""
    report = WebhookReport()
    claimed = _claim_due(engine, limit, clock.now())
    if not claimed:
        return report
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        for delivery_id in claimed:
            _send_one(engine, keys, client, delivery_id, allow_private, clock, report)
    return report


def replay(session: Session, partner_id: int, delivery_id: int, *, actor: str, now: datetime) -> bool:
    """Send a delivery of ``partner_id`` again (its receiver sees the same ``webhook-id``); False
    when it is not one of the partner's."""
    found = session.exec(
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .where(WebhookDelivery.id == delivery_id, WebhookEndpoint.partner_id == partner_id)
    ).first()
    if found is None:
        return False
    delivery, _endpoint = found
    delivery.state, delivery.attempts, delivery.next_attempt_at = DeliveryState.PENDING, 0, now
    delivery.leased_until = None
    session.add(delivery)
    partner_event(session, partner_id, "webhook.replayed", actor=actor, now=now, delivery_id=delivery_id)
    return True


@dataclass(frozen=True)
class DeliveryLine:
    """A delivery as the partner's admin sees it in the portal."""

    delivery: WebhookDelivery
    event: WebhookEvent
    endpoint: WebhookEndpoint


def deliveries_of(session: Session, partner_id: int, limit: int = 50) -> list[DeliveryLine]:
    """The partner's latest deliveries, newest first."""
    rows = session.exec(
        select(WebhookDelivery, WebhookEvent, WebhookEndpoint)
        .join(WebhookEvent, col(WebhookEvent.id) == col(WebhookDelivery.event_id))
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .where(WebhookEndpoint.partner_id == partner_id)
        .order_by(col(WebhookDelivery.id).desc())
        .limit(limit)
    )
    return [DeliveryLine(*row) for row in rows]


def signed_request(
    keys: Keys, endpoint: WebhookEndpoint, event: WebhookEvent, sent_at: datetime
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of ``event`` for ``endpoint``, signed at ``sent_at``."""
    assert endpoint.id is not None
    body = json.dumps(
        {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.data},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    message_id = f"evt_{event.id}"
    signature = Webhook(keys.webhook_secret(endpoint.id, endpoint.generation)).sign(message_id, sent_at, body)
    headers = {
        "content-type": "application/json",
        "user-agent": "partnerflow-webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
    return body, headers


def _claim_due(engine: Engine, limit: int, now: datetime) -> list[int]:
    lease_until = now + LEASE
    free = or_(col(WebhookDelivery.leased_until).is_(None), col(WebhookDelivery.leased_until) < now)
    with Session(engine) as session:
        due = (
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.state == DeliveryState.PENDING, col(WebhookDelivery.next_attempt_at) <= now
            )
            .where(free)
            .order_by(col(WebhookDelivery.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = [delivery_id for delivery_id in session.exec(due) if delivery_id is not None]
        if not ids:
            return []
        session.exec(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id).in_(ids))
            .where(free)
            .values(leased_until=lease_until)
        )
        session.commit()
        mine = select(WebhookDelivery.id).where(
            col(WebhookDelivery.id).in_(ids), WebhookDelivery.leased_until == lease_until
        )
        return sorted(delivery_id for delivery_id in session.exec(mine) if delivery_id is not None)


def _send_one(
    engine: Engine,
    keys: Keys,
    client: httpx.Client,
    delivery_id: int,
    allow_private: bool,
    clock: Clock,
    report: WebhookReport,
) -> None:
    with Session(engine) as session:
        delivery = session.get_one(WebhookDelivery, delivery_id)
        endpoint = session.get_one(WebhookEndpoint, delivery.endpoint_id)
        event = session.get_one(WebhookEvent, delivery.event_id)
        status, error = None, ""
        if endpoint.disabled_at is not None:
            error = "the endpoint is disabled"
        elif not allow_private and not is_public_host(urlsplit(endpoint.url).hostname or ""):
            error = "the endpoint's host is not a public internet address"
        else:
            body, headers = signed_request(keys, endpoint, event, clock.now())
            try:
                status = client.post(endpoint.url, content=body, headers=headers).status_code
            except httpx.HTTPError as failure:
                error = f"{type(failure).__name__}: {failure}"[:300]
        _record(delivery, status, error, clock.now(), final=endpoint.disabled_at is not None, report=report)
        session.add(delivery)
        session.commit()


def _record(
    delivery: WebhookDelivery,
    status: int | None,
    error: str,
    now: datetime,
    *,
    final: bool,
    report: WebhookReport,
) -> None:
    delivery.attempts += 1
    delivery.last_status, delivery.leased_until = status, None
    if status is not None and 200 <= status < 300:
        delivery.state, delivery.delivered_at, delivery.last_error = DeliveryState.DELIVERED, now, ""
        report.delivered += 1
        return
    delivery.last_error = error or f"HTTP {status}"
    if final or delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = DeliveryState.FAILED
        report.failed += 1
        report.problems.append(f"delivery {delivery.id}: {delivery.last_error}")
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        report.retrying += 1
