"""Recording an answer: only from a person's own grant (link or code) or an explicit operator act.

Every path ends in :func:`_record`, which checks the grant (used, expired, superseded round), the
person (still active, still holding the role) and the decision, then stores one answer per
request and person and consumes the grant, in the caller's transaction. A refusal changes
nothing but the audit trail, and its reason is written for the person who sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from partnerflow.approvals.answer_seal import answer_mac
from partnerflow.approvals.keys import Keys
from partnerflow.approvals.operators import proven_operator
from partnerflow.approvals.requests import latest_round, open_requests
from partnerflow.approvals.subjects import Subject
from partnerflow.audit import record_event
from partnerflow.models import ApprovalAnswer, ApprovalGrant, ApprovalRequest, Person, Role
from partnerflow.text import is_clean

COMMENT_LIMIT = 2000


@dataclass(frozen=True)
class Reply:
    """What a person answers, before anyone has checked who they are."""

    decision: str
    comment: str = ""
    details: dict[str, Any] | None = None


@dataclass(frozen=True)
class Recorded:
    answer: ApprovalAnswer
    request: ApprovalRequest


@dataclass(frozen=True)
class Refused:
    reason: str


Outcome = Recorded | Refused


@dataclass(frozen=True)
class Grantee:
    """A grant with what it grants and to whom, as found from a link, a code or an operator."""

    grant: ApprovalGrant
    request: ApprovalRequest
    person: Person


def find_by_link(session: Session, keys: Keys, token: str) -> Grantee | None:
    """The grant a personal link stands for, if the link was signed with this installation's key."""
    claim = keys.read_link(token)
    if claim is None:
        return None
    grant = session.get(ApprovalGrant, claim.grant_id)
    if grant is None or (grant.person_id, grant.request_id) != (claim.person_id, claim.request_id):
        return None
    return _grantee(session, grant)


def answer_by_link(session: Session, keys: Keys, token: str, reply: Reply, *, now: datetime) -> Outcome:
    """The approval page's POST: the link is the credential."""
    found = find_by_link(session, keys, token)
    if found is None:
        return _refuse(
            session, None, "unknown", "link", "this link is not valid (altered or from elsewhere)", now=now
        )
    return _record(session, keys, found, reply, via="link", actor=found.person.email, now=now)


def answer_by_code(
    session: Session, keys: Keys, subject: Subject, code: str, reply: Reply, *, now: datetime
) -> Outcome:
    """The Prefect UI form and ``--code``: the code mailed with the link is the credential."""
    grant = session.exec(
        select(ApprovalGrant).where(ApprovalGrant.code_digest == keys.code_digest(code))
    ).first()
    found = _grantee(session, grant) if grant is not None else None
    if found is None:
        return _refuse(session, subject, "unknown", "code", f"this code is not valid for {subject}", now=now)
    if Subject(found.request.subject_kind, found.request.subject_id) != subject:
        return _burn(session, found, subject, now)
    return _record(session, keys, found, reply, via="code", actor=found.person.email, now=now)


def _burn(session: Session, found: Grantee, typed_for: Subject, now: datetime) -> Refused:
    """A real code typed for another decision: it no longer works anywhere. Prefect keeps what
    was typed into a run's form, so the code is known outside its owner's mailbox now (measured
    before: refused but still valid, anyone reading that run's input could answer as its owner).
    Audited with its owner, who is told (refusal notice) and asks for a new round."""
    if found.grant.used_at is None:
        found.grant.used_at = now
        session.add(found.grant)
    own = Subject(found.request.subject_kind, found.request.subject_id)
    reason = (
        f"your code for {own} was typed for {typed_for}: it no longer works; "
        "ask the process owner for a new link"
    )
    return _refuse(session, typed_for, "unknown", "code", reason, person=found.person.email, now=now)


def answer_on_behalf(
    session: Session,
    keys: Keys,
    subject: Subject,
    email: str,
    reply: Reply,
    *,
    operator_link: str,
    reason: str,
    now: datetime,
) -> Outcome:
    """An operator records the answer a person gave elsewhere (phone, meeting): the person's own
    grant is consumed, and the operator is the actor, with the reason, in the answer and audit.

    The operator proves who they are as everyone else does: with a sign-in link mailed to their
    own address (``operator_link``, the link or its token; single use, 15 minutes). Before, the actor was the
    operating-system user, which whoever runs the command chooses. One operator relays at most one
    answer of a request, never their own, and on four eyes a relayed answer does not count as a
    distinct approver (``approvals_given``): one operator cannot meet it alone."""
    if not reason.strip():
        return _refuse(
            session,
            subject,
            "operator",
            "operator",
            "--reason is required when answering for someone",
            now=now,
        )
    operator = proven_operator(session, keys, operator_link, now=now)
    if isinstance(operator, str):
        return _refuse(session, subject, "operator", "operator", operator, now=now)
    actor = f"operator:{operator.email}"
    if operator.email == email.strip().lower():
        return _refuse(
            session,
            subject,
            actor,
            "operator",
            "answer with your own link or code, not on your behalf",
            now=now,
        )
    for request in open_requests(session, subject):
        row = session.exec(
            select(ApprovalGrant, Person)
            .join(Person)
            .where(ApprovalGrant.request_id == request.id)
            .where(Person.email == email.strip().lower())
        ).first()
        relayed = session.exec(
            select(ApprovalAnswer.id).where(
                ApprovalAnswer.request_id == request.id, ApprovalAnswer.actor == actor
            )
        ).first()
        if row is not None and relayed is not None:
            return _refuse(
                session,
                subject,
                actor,
                "operator",
                "you already relayed an answer to this request: the others answer with their own link",
                person=email,
                now=now,
            )
        if row is not None:
            return _record(
                session,
                keys,
                Grantee(row[0], request, row[1]),
                reply,
                via="operator",
                actor=actor,
                now=now,
                reason=reason.strip(),
            )
    return _refuse(
        session, subject, actor, "operator", f"{email} has no open request to answer for {subject}", now=now
    )


def refuse(
    session: Session, subject: Subject | None, actor: str, via: str, reason: str, *, now: datetime
) -> Refused:
    """Refuse an answer that never reached a grant (a missing code, a forged wake-up, a link
    that is not ours): audited."""
    return _refuse(session, subject, actor, via, reason, now=now)


def _record(
    session: Session,
    keys: Keys,
    found: Grantee,
    reply: Reply,
    *,
    via: str,
    actor: str,
    now: datetime,
    reason: str = "",
) -> Outcome:
    grant, request, person = found.grant, found.request, found.person
    subject = Subject(request.subject_kind, request.subject_id)
    problem = _problem(session, found, reply, subject, now)
    if problem is not None:
        return _refuse(session, subject, actor, via, problem, person=person.email, now=now)
    assert request.id is not None and person.id is not None
    answer = ApprovalAnswer(
        request_id=request.id,
        person_id=person.id,
        person_email=person.email,
        decision=reply.decision,
        comment=reply.comment,
        details=dict(reply.details or {}),
        via=via,
        actor=actor,
        reason=reason,
        answered_at=now,
    )
    answer.mac = answer_mac(keys, answer, request)
    grant.used_at = now
    try:
        with session.begin_nested():
            session.add(answer)
            session.add(grant)
    except IntegrityError:  # the same person answered at the same moment through another path
        return _refuse(
            session, subject, actor, via, "you have already answered", person=person.email, now=now
        )
    record_event(
        session,
        now=now,
        actor=actor,
        action="approval.answered",
        subject_type=subject.kind,
        subject_id=subject.id,
        details={
            "person": person.email,
            "decision": reply.decision,
            "round": request.round,
            "role": request.role,
            "via": via,
            **({"reason": reason} if reason else {}),
        },
    )
    return Recorded(answer, request)


def _problem(session: Session, found: Grantee, reply: Reply, subject: Subject, now: datetime) -> str | None:
    """Why this grant cannot carry this answer now, in words for the person, or None."""
    allowed = subject.answers
    if reply.decision not in allowed:
        return f"the decision must be one of {', '.join(allowed)}"
    if len(reply.comment) > COMMENT_LIMIT:
        return f"the comment is too long ({len(reply.comment):,} characters, at most {COMMENT_LIMIT:,})"
    if not is_clean(reply.comment, allowed="\r\n\t") or "\ufffd" in reply.comment:
        return "the comment contains a control character or an invalid one"
    return grant_problem(session, found, now)


def grant_problem(session: Session, found: Grantee, now: datetime) -> str | None:
    """Why this grant cannot answer now (used, expired, superseded, decided, role lost), or None."""
    grant, request, person = found.grant, found.request, found.person
    subject = Subject(request.subject_kind, request.subject_id)
    if grant.used_at is not None:
        return f"this link or code was already used ({grant.used_at:%Y-%m-%d %H:%M} UTC)"
    if now > grant.expires_at:
        return f"this link or code expired at {grant.expires_at:%Y-%m-%d %H:%M} UTC"
    if request.closed_at is not None:
        current = latest_round(session, subject)
        if current > request.round:
            return f"this link is for round {request.round}; the decision is now in round {current}"
        return f"{subject} is already decided"
    if not person.active or Role(request.role) not in person.roles:
        return f"{person.email} no longer holds the {request.role} role"
    return None


def _grantee(session: Session, grant: ApprovalGrant) -> Grantee | None:
    request = session.get(ApprovalRequest, grant.request_id)
    person = session.get(Person, grant.person_id)
    if request is None or person is None:
        return None
    return Grantee(grant, request, person)


def _refuse(
    session: Session,
    subject: Subject | None,
    actor: str,
    via: str,
    reason: str,
    *,
    now: datetime,
    person: str = "",
) -> Refused:
    record_event(
        session,
        now=now,
        actor=actor,
        action="approval.refused",
        subject_type=subject.kind if subject else "approval",
        subject_id=subject.id if subject else 0,
        details={"reason": reason, "via": via, **({"person": person} if person else {})},
    )
    return Refused(reason)
