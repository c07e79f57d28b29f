"""A refused answer is e-mailed to the person who gave it, when partnerflow knows who that is.

Refusals are audited where they happen (``approval.refused``, with the person when the link or
code matched one of their grants: used already, expired, superseded, a decision the subject does
not take...). A refusal from nobody known (a typed address, a guessed code) is only audited: there
is nobody to write to. The delivery sweep mails each known one once (the outbox's key is the
audit event), with the reason and the way to their inbox: at most ``NOTICES_PER_HOUR`` a person
for the refusals of one hour (measured before: each refused POST of a link mailed its owner,
uncapped, so anyone holding an old link could flood its owner's mailbox).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from partnerflow.approvals.declarations import subject_label
from partnerflow.approvals.links import Links
from partnerflow.models import AuditEvent, Person
from partnerflow.notify import TemplateRenderer, enqueue

LOOK_BACK = timedelta(days=1)
NOTICES_PER_HOUR = 3


def queue_refusal_notices(
    session: Session, links: Links, renderer: TemplateRenderer, *, now: datetime
) -> int:
    """Queue a notice for each refusal of the last day whose person is known; returns how many
    were queued now (a notice already queued is not queued again)."""
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "approval.refused", col(AuditEvent.occurred_at) > now - LOOK_BACK)
        .order_by(col(AuditEvent.id))
    ).all()
    emails = {str(event.details.get("person") or "") for event in events} - {""}
    people = {p.email: p for p in session.exec(select(Person).where(col(Person.email).in_(emails)))}
    queued = 0
    per_hour: Counter[tuple[str, datetime]] = Counter()
    for event in events:
        person = people.get(str(event.details.get("person") or ""))
        if person is None:
            continue
        hour = (person.email, event.occurred_at.replace(minute=0, second=0, microsecond=0))
        per_hour[hour] += 1
        if per_hour[hour] > NOTICES_PER_HOUR:  # the same events every run: the same notices kept
            continue
        queued += enqueue(
            session,
            renderer=renderer,
            dedupe_key=f"answer-refused:{event.id}",
            recipient=person.email,
            template="answer_refused",
            locale=person.locale.value,
            context={
                "person_name": person.name,
                "subject": subject_label(person.locale.value, event.subject_type, event.subject_id),
                "reason": str(event.details.get("reason") or ""),
                "inbox_url": links.inbox(),
            },
        )
    return queued
