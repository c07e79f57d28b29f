"""My decisions: what waits for a person and what they decided, across every process, and the
magic link that signs them in to see it.

A person asks for a sign-in link with their e-mail address; if it is one of the programme's
active people, a single-use link valid for ``SIGN_IN_MINUTES`` is mailed to that address (the
answer on the page is the same either way: nobody learns who is on the team). Opening the link
shows a button; pressing it uses the link once and opens an inbox session (a signed cookie).
The inbox lists every open request the person holds a valid grant for, with its subject, age,
due date and their personal approval link, so deciding is the usual authenticated path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from partnerflow.approvals.declarations import subject_label
from partnerflow.approvals.keys import Keys, LinkClaim
from partnerflow.approvals.links import Links, claim_of
from partnerflow.approvals.sealing import approval_link
from partnerflow.approvals.sign_in import (
    Addressee,
    Door,
    close_session,
    mail_sign_in,
    open_session,
    session_holder,
)
from partnerflow.clock import programme_date
from partnerflow.models import ApprovalAnswer, ApprovalGrant, ApprovalRequest, Person
from partnerflow.notify import TemplateRenderer, enqueue

RECENT_DAYS = 30
_HEADING = re.compile(r"^#+\s*(.+)$", re.M)


@dataclass(frozen=True)
class OpenItem:
    subject_kind: str
    subject_id: int
    title: str
    role: str
    round: int
    requested_at: datetime
    expires_at: datetime
    link: str
    claim: LinkClaim

    def age_days(self, now: datetime) -> int:
        return (now - self.requested_at).days

    def overdue(self, now: datetime) -> bool:
        return self.expires_at < now

    @property
    def due_on(self) -> date:
        return programme_date(self.expires_at)


@dataclass(frozen=True)
class DecidedItem:
    subject_kind: str
    subject_id: int
    decision: str
    comment: str
    answered_at: datetime

    @property
    def answered_on(self) -> date:
        return programme_date(self.answered_at)


def request_sign_in(
    session: Session, links: Links, renderer: TemplateRenderer, email: str, *, now: datetime
) -> bool:
    """Mail a sign-in link to ``email`` if it is an active person's; True when one was mailed
    (the page says the same either way)."""
    person = session.exec(select(Person).where(func.lower(Person.email) == email.strip().lower())).first()
    if person is None or person.id is None or not person.active:
        return False
    to = Addressee(person.id, person.email, person.locale.value, {"person_name": person.name})
    return mail_sign_in(session, links.keys, renderer, Door.INBOX, to, now=now)


@dataclass(frozen=True)
class SignedIn:
    """A session opened with a sign-in link: the person, and the link it is held by (the server
    ends the session there: :func:`end_session`)."""

    person: Person
    link_id: int


def use_sign_in(session: Session, keys: Keys, token: str, *, now: datetime) -> SignedIn | str:
    """The session a sign-in link opens (the link is used up), or why not."""
    opened = open_session(session, keys, Door.INBOX, token, now=now)
    if isinstance(opened, str):
        return opened
    person = session.get(Person, opened.holder_id)
    if person is None or not person.active:
        return "this sign-in link is not valid: ask for a new one"
    return SignedIn(person, opened.link_id)


def session_person(session: Session, keys: Keys, cookie: str) -> Person | None:
    """Whom a session cookie signs in: a live session of an active person, else None."""
    person_id = session_holder(session, keys, Door.INBOX, cookie)
    person = session.get(Person, person_id) if person_id is not None else None
    return person if person is not None and person.active else None


def end_session(session: Session, keys: Keys, cookie: str, *, now: datetime) -> None:
    """Sign-out: the session ends on the server (a copy of the cookie opens nothing any more)."""
    close_session(session, keys, Door.INBOX, cookie, now=now)


def open_items(session: Session, links: Links, person_id: int, *, now: datetime) -> list[OpenItem]:
    """Every open request the person may still answer (a grant neither used nor expired), oldest first."""
    rows = session.exec(
        select(ApprovalGrant, ApprovalRequest)
        .join(ApprovalRequest, col(ApprovalRequest.id) == col(ApprovalGrant.request_id))
        .where(
            ApprovalGrant.person_id == person_id,
            col(ApprovalGrant.used_at).is_(None),
            col(ApprovalGrant.expires_at) > now,
            col(ApprovalRequest.closed_at).is_(None),
        )
        .order_by(col(ApprovalRequest.requested_at), col(ApprovalRequest.id))
    ).all()
    return [
        OpenItem(
            request.subject_kind,
            request.subject_id,
            _title(request),
            request.role,
            request.round,
            request.requested_at,
            request.expires_at,
            links.personal(grant),
            claim_of(grant),
        )
        for grant, request in rows
    ]


def decided_items(session: Session, person_id: int, *, now: datetime) -> list[DecidedItem]:
    """What the person answered in the last ``RECENT_DAYS`` days, newest first."""
    rows = session.exec(
        select(ApprovalAnswer, ApprovalRequest)
        .join(ApprovalRequest, col(ApprovalRequest.id) == col(ApprovalAnswer.request_id))
        .where(
            ApprovalAnswer.person_id == person_id,
            col(ApprovalAnswer.answered_at) > now - timedelta(days=RECENT_DAYS),
        )
        .order_by(col(ApprovalAnswer.answered_at).desc())
    ).all()
    return [
        DecidedItem(
            request.subject_kind, request.subject_id, answer.decision, answer.comment, answer.answered_at
        )
        for answer, request in rows
    ]


def queue_digests(session: Session, links: Links, renderer: TemplateRenderer, *, now: datetime) -> int:
    """Mail every active person with open decisions the list of them (once a day each: the
    outbox's key); returns how many people were mailed."""
    holders = session.exec(
        select(ApprovalGrant.person_id)
        .join(ApprovalRequest, col(ApprovalRequest.id) == col(ApprovalGrant.request_id))
        .where(
            col(ApprovalGrant.used_at).is_(None),
            col(ApprovalGrant.expires_at) > now,
            col(ApprovalRequest.closed_at).is_(None),
        )
        .distinct()
    ).all()
    people = session.exec(select(Person).where(col(Person.id).in_(holders), col(Person.active))).all()
    day = programme_date(now)
    mailed = 0
    for person in sorted(people, key=lambda found: found.id or 0):
        items = open_items(session, links, person.id or 0, now=now)
        if not items:
            continue
        mailed += enqueue(
            session,
            renderer=renderer,
            dedupe_key=f"decisions-digest:{person.id}:{day}",
            recipient=person.email,
            template="decisions_digest",
            locale=person.locale.value,
            context={
                "person_name": person.name,
                "inbox_url": links.inbox(),
                "items": [
                    {
                        "subject": subject_label(person.locale.value, item.subject_kind, item.subject_id),
                        "title": item.title,
                        "due_on": item.due_on,
                        "overdue": item.overdue(now),
                        "link": approval_link(item.claim),
                    }
                    for item in items
                ],
            },
        )
    return mailed


def _title(request: ApprovalRequest) -> str:
    """The summary's first heading, else its first line: what the decision is about."""
    heading = _HEADING.search(request.summary)
    first = heading.group(1) if heading else (request.summary.strip().splitlines() or [""])[0]
    return first.strip("*_ ")[:160] or f"{request.subject_kind} {request.subject_id}"
