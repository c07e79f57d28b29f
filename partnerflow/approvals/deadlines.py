"""The decision clock of every kind without one of its own: remind, renew the link, escalate.

A decision nobody answers waits in a suspended run, which has no compute to chase anyone.
Measured before: 7 of the 9 kinds had no reminder at all (a settlement waited for finance for
ever), and their links expired after 14 days, after which nobody could answer any more. The
scheduled ``decision-deadlines`` run calls :func:`sweep_decisions`: each open request of a kind
with a :class:`~partnerflow.approvals.subjects.DecisionClock` reminds, every ``remind_every``,
each person asked who has not answered and still holds the role (their personal link again,
valid ``links_last`` more; the code is not repeated), and after ``escalate_after`` tells the
``escalate_to`` role, once, who has not answered. Deal registrations and campaigns keep their
policies' own clocks (``registration/sla.py``, ``campaigns/sla.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select, update

from partnerflow.approvals.declarations import DecisionClock, decision_kind, subject_label
from partnerflow.approvals.links import Links
from partnerflow.approvals.requests import people_with_role, sealed_links
from partnerflow.approvals.subjects import Subject
from partnerflow.audit import record_event
from partnerflow.models import ApprovalGrant, ApprovalRequest, Person
from partnerflow.notify import TemplateRenderer, enqueue

CLOCK_ACTOR = "system:decision-deadlines"


@dataclass
class DeadlineSweep:
    """What one sweep did, by approval request id."""

    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)


def sweep_decisions(
    session: Session, *, renderer: TemplateRenderer, links: Links, now: datetime
) -> DeadlineSweep:
    """Advance the clock of every open request by what ``now`` makes due (each step once)."""
    report = DeadlineSweep()
    waiting = session.exec(
        select(ApprovalRequest)
        .where(col(ApprovalRequest.closed_at).is_(None))
        .order_by(col(ApprovalRequest.id))
    ).all()
    for request in waiting:
        kind = decision_kind(request.subject_kind)
        if kind.clock is None:
            continue
        assert request.id is not None
        clock = kind.clock
        if now - (request.reminded_at or request.requested_at) >= clock.remind_every:
            request.reminded_at = now
            if _remind(session, request, clock, renderer, links, now):
                report.reminded.append(request.id)
        overdue = now - request.requested_at >= clock.escalate_after
        if overdue and request.escalated_at is None and clock.escalate_to is not None:
            request.escalated_at = now
            if _escalate(session, request, clock.escalate_to, renderer, now):
                report.escalated.append(request.id)
        session.add(request)
    session.flush()
    return report


def _remind(
    session: Session,
    request: ApprovalRequest,
    clock: DecisionClock,
    renderer: TemplateRenderer,
    links: Links,
    now: datetime,
) -> bool:
    """Each person asked who has not answered gets their link again, renewed; True if anyone did."""
    unanswered = sealed_links(session, request)
    people = [person for person in people_with_role(session, request.role) if person.id in unanswered]
    if not people:
        return False
    renewed_until = max(request.expires_at, now + clock.links_last)
    request.expires_at = renewed_until
    session.exec(
        update(ApprovalGrant)
        .where(col(ApprovalGrant.request_id) == request.id)
        .where(col(ApprovalGrant.used_at).is_(None))
        .where(col(ApprovalGrant.expires_at) < renewed_until)
        .values(expires_at=renewed_until)
    )
    for person in people:
        assert person.id is not None
        _mail(
            session,
            renderer,
            person,
            request,
            "decision_reminder",
            now,
            approval_url=unanswered[person.id],
            approval_code="",  # not repeated: it is in the first e-mail
            operator_url=links.operator(request.flow_run_id),
            valid_until=renewed_until,
        )
    _audit(session, request, "approval.reminded", [person.email for person in people], now=now)
    return True


def _escalate(
    session: Session, request: ApprovalRequest, role: str, renderer: TemplateRenderer, now: datetime
) -> bool:
    """The escalation role is told who has not answered (once); True if anyone holds it."""
    unanswered = sealed_links(session, request)
    waiting_on = [
        person.name for person in people_with_role(session, request.role) if person.id in unanswered
    ]
    told = people_with_role(session, role)
    for person in told:
        _mail(session, renderer, person, request, "decision_overdue", now, waiting_on=waiting_on)
    _audit(session, request, "approval.escalated", [person.email for person in told], now=now)
    return bool(told)


def _mail(
    session: Session,
    renderer: TemplateRenderer,
    person: Person,
    request: ApprovalRequest,
    template: str,
    now: datetime,
    **values: object,
) -> None:
    """One message about ``request`` to ``person``; the key holds the day, so a reminder goes
    out once per sweep that makes it due."""
    locale = person.locale.value
    enqueue(
        session,
        renderer=renderer,
        dedupe_key=f"{template}:{request.id}:{person.id}:{now:%Y-%m-%dT%H:%M}",
        recipient=person.email,
        template=template,
        locale=locale,
        context={
            "person_name": person.name,
            "subject": subject_label(locale, request.subject_kind, request.subject_id),
            "role": request.role,
            "requested_at": request.requested_at,
            **values,
        },
    )


def _audit(
    session: Session, request: ApprovalRequest, action: str, recipients: list[str], *, now: datetime
) -> None:
    subject = Subject(request.subject_kind, request.subject_id)
    record_event(
        session,
        now=now,
        actor=CLOCK_ACTOR,
        action=action,
        subject_type=subject.kind,
        subject_id=subject.id,
        details={"round": request.round, "role": request.role, "to": recipients},
    )
