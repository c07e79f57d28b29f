"""E-mailing the vendor's people who hold a role (finance, channel managers...): a notice, or an
invitation to decide with each person's own link and code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from partnerflow.approvals.declarations import decision_kind, subject_label
from partnerflow.approvals.links import Links
from partnerflow.approvals.requests import Ask, open_round, people_with_role
from partnerflow.notify import TemplateRenderer, enqueue


def notify_role(
    session: Session,
    renderer: TemplateRenderer,
    *,
    role: str,
    template: str,
    key: str,
    context: dict[str, Any],
) -> int:
    """Queue ``template`` for every active person holding ``role``, once each (``key:<person>``);
    each gets ``context`` plus ``person_name``. Returns how many people hold the role."""
    people = people_with_role(session, role)
    for person in people:
        enqueue(
            session,
            renderer=renderer,
            dedupe_key=f"{key}:{person.id}",
            recipient=person.email,
            template=template,
            locale=person.locale.value,
            context={"person_name": person.name, **context},
        )
    return len(people)


def invite_role(
    session: Session,
    renderer: TemplateRenderer,
    links: Links,
    ask: Ask,
    *,
    context: dict[str, Any],
    now: datetime,
    template: str | None = None,
) -> int:
    """Open the decision's round and queue ``template`` to each person holding the role with
    their own ``approval_url`` and ``approval_code`` and the subject as their language names it
    (once: a retried step mails nobody twice). ``template`` is the one the kind declares (a kind
    without one of its own gets ``decision_requested``, which shows ``summary``)."""
    invitations = open_round(session, links, ask, now=now)
    subject, round_number = ask.subject, ask.round_number
    template = template or decision_kind(subject.kind).template
    for invitation in invitations:
        person = invitation.person
        enqueue(
            session,
            renderer=renderer,
            dedupe_key=f"{template}:{subject.kind}:{subject.id}:{round_number}:{person.id}",
            recipient=person.email,
            template=template,
            locale=person.locale.value,
            context={
                "person_name": person.name,
                "subject": subject_label(person.locale.value, subject.kind, subject.id),
                "summary": ask.summary,
                **invitation.mailed(),
                **context,
            },
        )
    return len(invitations)
