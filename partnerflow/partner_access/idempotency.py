"""``Idempotency-Key`` with Stripe's semantics: a POST retried with the same key and the same
body gets the first response again, without doing anything twice; the same key with another
body is refused; a key is remembered 24 hours.

The claim is a row unique per (API key, idempotency key), inserted in the request's own
transaction before the work: a concurrent retry waits on that row (PostgreSQL's unique index,
SQLite's write lock), then finds the first response committed and replays it. A request that
failed rolls its claim back with everything else, so its retry runs again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from partnerflow.models import IdempotentResponse

KEPT_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Replay:
    """The first response to this key and body."""

    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Mismatch:
    """The key was used for another request: refused, nothing done."""

    reason: str = "this Idempotency-Key was used with another request body in the last 24 hours"


def request_digest(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same one: method, path and exact body."""
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def claim(
    session: Session, api_key_id: int, key: str, digest: str, *, now: datetime
) -> IdempotentResponse | Replay | Mismatch:
    """This request's claim on ``key`` (complete it with :func:`remember` in the same
    transaction), or what an earlier request with that key decides."""
    session.exec(
        delete(IdempotentResponse).where(
            col(IdempotentResponse.api_key_id) == api_key_id,
            col(IdempotentResponse.idempotency_key) == key,
            col(IdempotentResponse.created_at) < now - KEPT_FOR,
        )
    )
    earlier = _earlier(session, api_key_id, key)
    if earlier is not None:
        return _against(earlier, digest)
    row = IdempotentResponse(
        api_key_id=api_key_id,
        idempotency_key=key,
        request_digest=digest,
        status_code=0,
        body={},
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same key arrived at the same moment: the first one answered
        earlier = _earlier(session, api_key_id, key)
        assert earlier is not None
        return _against(earlier, digest)
    return row


def remember(session: Session, row: IdempotentResponse, status_code: int, body: dict[str, Any]) -> None:
    row.status_code, row.body = status_code, body
    session.add(row)


def _earlier(session: Session, api_key_id: int, key: str) -> IdempotentResponse | None:
    return session.exec(
        select(IdempotentResponse).where(
            IdempotentResponse.api_key_id == api_key_id, IdempotentResponse.idempotency_key == key
        )
    ).first()


def _against(earlier: IdempotentResponse, digest: str) -> Replay | Mismatch:
    if earlier.request_digest != digest:
        return Mismatch()
    return Replay(earlier.status_code, earlier.body)
