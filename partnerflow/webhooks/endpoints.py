"""A partner's webhook endpoints: made by its admin (in the portal), with the events wanted;
the signing secret is shown once and never stored (``Keys.webhook_secret`` makes it from the
installation's key); rotating it makes a new one, disabling stops deliveries at once.

An endpoint is a URL on the public internet over HTTPS: partnerflow POSTs to what a partner
typed, so a private, loopback or link-local address is refused here and again at each delivery
(its name may resolve elsewhere later), unless ``PARTNERFLOW_WEBHOOKS_ALLOW_PRIVATE`` is set for
a test or a development machine.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from partnerflow.approvals import Keys
from partnerflow.models import WebhookEndpoint
from partnerflow.partner_access.trail import partner_event

EVENT_TYPES = {
    "registration.decided": "a deal registration was approved or rejected (by the policy or by review)",
    "statement.available": "a commission statement was paid and can be downloaded",
    "lead.offered": "a lead was offered to the partner: accept or decline it before its deadline",
}
"""What a partner may subscribe to."""
MAX_ENDPOINTS = 10


class EndpointRefused(ValueError):
    """Why an endpoint is refused, naming the field."""


@dataclass(frozen=True)
class MadeEndpoint:
    """A new (or re-keyed) endpoint and its signing secret, shown this once."""

    row: WebhookEndpoint
    secret: str


def add_endpoint(
    session: Session,
    keys: Keys,
    partner_id: int,
    *,
    url: str,
    events: list[str],
    created_by: str,
    now: datetime,
    allow_private: bool = False,
) -> MadeEndpoint:
    """A new endpoint of ``partner_id`` for ``events``; :class:`EndpointRefused` says why not."""
    checked = checked_url(url, allow_private=allow_private)
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown or not events:
        raise EndpointRefused(f"events: choose among {', '.join(EVENT_TYPES)}")
    if len(endpoints_of(session, partner_id)) >= MAX_ENDPOINTS:
        raise EndpointRefused(f"url: a partner has at most {MAX_ENDPOINTS} endpoints")
    row = WebhookEndpoint(
        partner_id=partner_id, url=checked, events=sorted(set(events)), created_by=created_by, created_at=now
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    _audit(session, row, "webhook.endpoint-added", created_by, now, events=row.events)
    return MadeEndpoint(row, keys.webhook_secret(row.id, row.generation))


def rotate_secret(
    session: Session, keys: Keys, endpoint: WebhookEndpoint, *, actor: str, now: datetime
) -> MadeEndpoint:
    """A new secret for ``endpoint`` (the old one signs nothing more)."""
    assert endpoint.id is not None
    endpoint.generation += 1
    session.add(endpoint)
    session.flush()
    _audit(session, endpoint, "webhook.secret-rotated", actor, now)
    return MadeEndpoint(endpoint, keys.webhook_secret(endpoint.id, endpoint.generation))


def disable_endpoint(session: Session, endpoint: WebhookEndpoint, *, actor: str, now: datetime) -> None:
    """No more deliveries to ``endpoint`` (those pending are not sent)."""
    if endpoint.disabled_at is None:
        endpoint.disabled_at = now
        session.add(endpoint)
        _audit(session, endpoint, "webhook.endpoint-disabled", actor, now)


def endpoints_of(session: Session, partner_id: int) -> list[WebhookEndpoint]:
    """The partner's live endpoints, oldest first."""
    return list(
        session.exec(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.partner_id == partner_id, col(WebhookEndpoint.disabled_at).is_(None))
            .order_by(col(WebhookEndpoint.id))
        )
    )


def checked_url(url: str, *, allow_private: bool) -> str:
    """``url`` if partnerflow may POST to it: HTTPS, a host, no credentials, at most 500
    characters, not a private address (unless allowed); else :class:`EndpointRefused`."""
    url = url.strip()
    parts = urlsplit(url)
    if len(url) > 500 or not parts.hostname or parts.username or parts.password or parts.fragment:
        raise EndpointRefused("url: a full https:// address without credentials, at most 500 characters")
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise EndpointRefused("url: webhooks are sent over https:// only")
    if not allow_private and not is_public_host(parts.hostname):
        raise EndpointRefused(f"url: {parts.hostname} is not a public internet address")
    return url


def is_public_host(host: str) -> bool:
    """True when every address ``host`` resolves to is global (no loopback, private, link-local
    or reserved address: partnerflow never POSTs inside the network it runs in)."""
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError, ValueError):
        return False
    return bool(found) and all(
        ipaddress.ip_address(str(address).split("%")[0]).is_global for address in found
    )


def _audit(
    session: Session, row: WebhookEndpoint, action: str, actor: str, now: datetime, **details: object
) -> None:
    partner_event(
        session,
        row.partner_id,
        action,
        actor=actor,
        now=now,
        endpoint_id=row.id,
        url=row.url[:200],
        **details,
    )
