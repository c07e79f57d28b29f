"""Magic links that sign someone in, for either door: the inbox, where the vendor's people see
their decisions, and the partner portal, where a partner's contacts act for their partner.

A link is mailed on request to an address the programme knows (the page answers the same
either way), at most ``MAX_LINKS_PER_HOUR`` an hour per holder, valid ``SIGN_IN_MINUTES``, used
once; the database keeps only its nonce's digest. Opening it shows a button (mail scanners open
links); pressing it uses the link and opens a session: a signed cookie naming the holder and the
link, which ends on the server at sign-out or after ``SESSION_HOURS``. Each link row names one
holder, a person or a contact, and a link (or a session) of one door never opens the other.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from partnerflow.approvals.keys import Keys
from partnerflow.approvals.sealing import portal_sign_in_link, sign_in_link
from partnerflow.models import SignInLink
from partnerflow.notify import TemplateRenderer, enqueue

SIGN_IN_MINUTES = 15
SESSION_HOURS = 8
MAX_LINKS_PER_HOUR = 5  # asked more often than that, nobody is mailed (a mailbox is not a target)


class Door(StrEnum):
    """Where a link signs in, and so which column of :class:`SignInLink` names its holder."""

    INBOX = "inbox"  # the vendor's people: SignInLink.person_id
    PORTAL = "portal"  # a partner's contacts: SignInLink.contact_id


@dataclass(frozen=True)
class Addressee:
    """Whom a link is mailed to: the holder's id at their door, address and language, and what
    the e-mail's template needs besides the link."""

    holder_id: int
    email: str
    locale: str
    context: dict[str, Any]


@dataclass(frozen=True)
class Opened:
    """A session opened by a sign-in link: its holder's id and the link it is held by."""

    holder_id: int
    link_id: int


def mail_sign_in(
    session: Session, keys: Keys, renderer: TemplateRenderer, door: Door, to: Addressee, *, now: datetime
) -> bool:
    """Mail ``to`` a new sign-in link to ``door``; False (nothing mailed) past the hourly limit."""
    holder = _holder_column(door)
    recent = session.exec(
        select(func.count()).where(
            holder == to.holder_id, col(SignInLink.issued_at) > now - timedelta(hours=1)
        )
    ).one()
    if recent >= MAX_LINKS_PER_HOUR:
        return False
    link = SignInLink(
        # A unique stand-in until the id is known: the nonce is made from the key and that id.
        nonce_digest=secrets.token_hex(32),
        issued_at=now,
        expires_at=now + timedelta(minutes=SIGN_IN_MINUTES),
        person_id=to.holder_id if door is Door.INBOX else None,
        contact_id=to.holder_id if door is Door.PORTAL else None,
    )
    session.add(link)
    session.flush()
    assert link.id is not None
    link.nonce_digest = _digest(keys.sign_in_nonce(link.id))
    session.add(link)
    sealed = sign_in_link(link.id) if door is Door.INBOX else portal_sign_in_link(link.id)
    enqueue(
        session,
        renderer=renderer,
        dedupe_key=f"sign-in:{link.id}",
        recipient=to.email,
        template="sign_in_link" if door is Door.INBOX else "portal_sign_in_link",
        locale=to.locale,
        context={**to.context, "sign_in_url": sealed, "minutes": SIGN_IN_MINUTES},
    )
    return True


def open_session(session: Session, keys: Keys, door: Door, token: str, *, now: datetime) -> Opened | str:
    """The session a sign-in link to ``door`` opens (the link is used up), or why not. The
    caller checks the holder is still allowed in."""
    claim = keys.read_sign_in(token, max_age=SIGN_IN_MINUTES * 60)
    if claim is None:
        return "this sign-in link is not valid or has expired: ask for a new one"
    link = session.get(SignInLink, claim[0])
    holder_id = None if link is None else getattr(link, _holder_column(door).key)
    if link is None or holder_id is None or not secrets.compare_digest(link.nonce_digest, _digest(claim[1])):
        return "this sign-in link is not valid: ask for a new one"
    if link.used_at is not None:
        return "this sign-in link was used already: ask for a new one"
    if link.expires_at < now:
        return "this sign-in link has expired: ask for a new one"
    link.used_at = now
    session.add(link)
    return Opened(holder_id, claim[0])


def session_holder(session: Session, keys: Keys, door: Door, cookie: str) -> int | None:
    """The holder a session cookie of ``door`` signs in: a live session (not ended at sign-out,
    younger than ``SESSION_HOURS``), else None. The caller checks the holder is still allowed in."""
    link = _live_link(session, keys, door, cookie)
    return None if link is None else getattr(link, _holder_column(door).key)


def close_session(session: Session, keys: Keys, door: Door, cookie: str, *, now: datetime) -> None:
    """Sign-out: the session ends on the server, so a copy of the cookie opens nothing any more."""
    link = _live_link(session, keys, door, cookie)
    if link is not None:
        link.signed_out_at = now
        session.add(link)


def _live_link(session: Session, keys: Keys, door: Door, cookie: str) -> SignInLink | None:
    claim = keys.read_session(cookie, max_age=SESSION_HOURS * 3600)
    link = session.get(SignInLink, claim[1]) if claim is not None else None
    if claim is None or link is None or link.signed_out_at is not None:
        return None
    return link if getattr(link, _holder_column(door).key) == claim[0] else None


def _holder_column(door: Door) -> Any:
    return col(SignInLink.person_id) if door is Door.INBOX else col(SignInLink.contact_id)


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()
