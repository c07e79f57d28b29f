"""A partner system's keys to the API: made for one partner with named scopes, shown once,
stored as a keyed digest, found by their public prefix, last use recorded, revoked at once.

A key reads ``pfk_<prefix>_<secret>``: the prefix (public, unique) finds the row, the whole key's
HMAC with the installation's secret must match its digest. Someone reading the database learns
prefixes and digests, neither of which opens the API.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from partnerflow.approvals import Keys
from partnerflow.audit import record_event
from partnerflow.models import ApiKey, Partner, PartnerStatus
from partnerflow.partner_access.trail import partner_event

SCOPES = {
    "registrations:read": "read the partner's own deal registrations and their decisions",
    "registrations:write": "register deals for the partner",
    "statements:read": "read the partner's own commission statements and their lines",
    "leads:read": "read the leads offered to the partner and where they stand",
    "leads:write": "work the partner's leads: show the contact, accept, decline, declare a status",
}
"""What a partner's key may be allowed to do."""
VENDOR_SCOPES = {
    "vendor:registrations:read": "read every partner's deal registrations (the vendor's CRM keeps in step)",
    "vendor:leads:write": "hand leads in (the vendor's web forms and marketing tools): routed to resellers",
}
"""What a key of the vendor's own systems may be allowed to do."""
KEY_PREFIX = "pfk_"
LAST_USE_GRAIN = timedelta(minutes=1)
"""A key's last use is written at most once a minute: a write per request is one more wait for
SQLite's one writer on every call of a busy CRM, for a figure people read in days."""


@dataclass(frozen=True)
class MadeKey:
    """A new key: the row, and the key itself, shown this once."""

    row: ApiKey
    key: str


def make_api_key(
    session: Session,
    keys: Keys,
    partner_id: int | None,
    *,
    name: str,
    scopes: list[str],
    created_by: str,
    now: datetime,
) -> MadeKey:
    """A new key for an active partner with ``scopes``, or for the vendor's own systems when
    ``partner_id`` is None; raises ValueError saying what is wrong."""
    allowed = SCOPES if partner_id is not None else VENDOR_SCOPES
    partner = session.get(Partner, partner_id) if partner_id is not None else None
    if partner_id is not None and (partner is None or partner.status is not PartnerStatus.ACTIVE):
        raise ValueError(f"partner {partner_id} is not an active partner")
    unknown = sorted(set(scopes) - set(allowed))
    if unknown or not scopes:
        raise ValueError(f"scopes must be among {', '.join(allowed)} (given: {', '.join(scopes) or 'none'})")
    if not name.strip() or len(name) > 80:
        raise ValueError("name: between 1 and 80 characters, to recognise the key by")
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        partner_id=partner_id,
        name=name.strip(),
        prefix=prefix,
        secret_digest=keys.api_key_digest(key),
        scopes=sorted(set(scopes)),
        created_by=created_by,
        created_at=now,
    )
    session.add(row)
    session.flush()
    _audit(session, row, created_by, "api-key.created", now, scopes=row.scopes, name=row.name)
    return MadeKey(row, key)


def key_in_use(session: Session, keys: Keys, presented: str, *, now: datetime) -> ApiKey | None:
    """The live key ``presented`` is (its last use recorded to the minute), or None: unknown,
    altered, revoked, or its partner no longer active."""
    body = presented.removeprefix(KEY_PREFIX)
    prefix = body.split("_", 1)[0]
    if not presented.startswith(KEY_PREFIX) or len(presented) > 200 or not prefix:
        return None
    row = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if row is None or not hmac.compare_digest(row.secret_digest, keys.api_key_digest(presented)):
        return None
    partner = session.get(Partner, row.partner_id) if row.partner_id is not None else None
    partner_gone = row.partner_id is not None and (
        partner is None or partner.status is not PartnerStatus.ACTIVE
    )
    if row.revoked_at is not None or partner_gone:
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_GRAIN:
        row.last_used_at = now
        session.add(row)
    return row


def revoke_api_key(session: Session, prefix: str, *, actor: str, now: datetime) -> ApiKey:
    """Revoke the key with ``prefix``: refused from its next request on (LookupError if unknown)."""
    row = session.exec(select(ApiKey).where(ApiKey.prefix == prefix.removeprefix(KEY_PREFIX))).first()
    if row is None:
        raise LookupError(f"no API key has the prefix {prefix}")
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        _audit(session, row, actor, "api-key.revoked", now)
    return row


def api_keys_of(session: Session, partner_id: int | None) -> list[ApiKey]:
    """The partner's keys, or the vendor's own when ``partner_id`` is None, oldest first."""
    owner = col(ApiKey.partner_id).is_(None) if partner_id is None else col(ApiKey.partner_id) == partner_id
    return list(session.exec(select(ApiKey).where(owner).order_by(col(ApiKey.id))))


def _audit(session: Session, row: ApiKey, actor: str, action: str, now: datetime, **details: object) -> None:
    if row.partner_id is not None:
        partner_event(session, row.partner_id, action, actor=actor, now=now, prefix=row.prefix, **details)
        return
    record_event(
        session,
        now=now,
        actor=actor,
        action=action,
        subject_type="vendor-api-key",
        subject_id=row.id or 0,
        details={"prefix": row.prefix, **details},
    )
