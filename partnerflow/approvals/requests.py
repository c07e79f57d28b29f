"""Asking for a decision: who holds a role, one request per round, a personal grant per person.

Opening a round is idempotent (one request per subject, round and role; one grant per person),
and the invitations it returns say what to mail: the caller queues the e-mails in the same
transaction, with the link and code sealed (``Invitation.mailed``), so the outbox never holds
either and a retried step re-mails nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from partnerflow.approvals.answer_seal import is_genuine
from partnerflow.approvals.keys import Keys, LinkClaim
from partnerflow.approvals.links import Links, claim_of
from partnerflow.approvals.sealing import approval_code, approval_link
from partnerflow.approvals.subjects import Subject
from partnerflow.models import ApprovalAnswer, ApprovalGrant, ApprovalRequest, Person, PersonRole, Role
from partnerflow.notify import Sealed


@dataclass(frozen=True)
class Invitation:
    """One person's way to answer: their link (GET shows, POST decides) and their code."""

    person: Person
    request: ApprovalRequest
    link: str
    code: str
    operator_url: str
    claim: LinkClaim

    def mailed(self) -> dict[str, Sealed | str]:
        """The template values of an e-mail asking them: link and code sealed, made again by the
        sender with the key (the outbox stores neither)."""
        return {
            "approval_url": approval_link(self.claim),
            "approval_code": approval_code(self.claim.request_id, self.claim.person_id),
            "operator_url": self.operator_url,
        }


def people_with_role(session: Session, role: str | Role) -> list[Person]:
    """Active people holding ``role``, in a stable order."""
    return list(
        session.exec(
            select(Person)
            .join(PersonRole)
            .where(PersonRole.role == Role(role))
            .where(col(Person.active))
            .order_by(col(Person.id))
        )
    )


@dataclass(frozen=True)
class Ask:
    """One round of a decision asked of one role: what is decided, who decides and how many of
    them must approve, what they read, until when their links work, and the run that waits.
    ``only`` narrows the role to some of its holders (a département's own channel manager)."""

    subject: Subject
    role: str
    approvers_required: int
    summary: str
    expires_at: datetime
    flow_run_id: str | None
    round_number: int = 1
    only: frozenset[int] | None = None


def open_round(session: Session, links: Links, ask: Ask, *, now: datetime) -> list[Invitation]:
    """The round's request, created on first call with a grant for every person holding the
    role; earlier rounds of the subject close (their links stop working). Returns the new
    invitations."""
    subject = ask.subject
    request = session.exec(
        select(ApprovalRequest)
        .where(ApprovalRequest.subject_kind == subject.kind)
        .where(ApprovalRequest.subject_id == subject.id)
        .where(ApprovalRequest.round == ask.round_number)
        .where(ApprovalRequest.role == ask.role)
    ).first()
    if request is None:
        for earlier in open_requests(session, subject):
            if earlier.round < ask.round_number:
                earlier.closed_at = now
                session.add(earlier)
        request = ApprovalRequest(
            subject_kind=subject.kind,
            subject_id=subject.id,
            round=ask.round_number,
            role=ask.role,
            approvers_required=ask.approvers_required,
            requested_at=now,
            expires_at=ask.expires_at,
        )
    request.summary, request.flow_run_id = ask.summary, ask.flow_run_id or request.flow_run_id
    session.add(request)
    session.flush()
    assert request.id is not None
    granted = set(session.exec(select(ApprovalGrant.person_id).where(ApprovalGrant.request_id == request.id)))
    invitations = []
    for person in people_with_role(session, ask.role):
        if person.id in granted or (ask.only is not None and person.id not in ask.only):
            continue
        assert person.id is not None
        code = links.keys.grant_code(request.id, person.id)
        grant = ApprovalGrant(
            request_id=request.id,
            person_id=person.id,
            code_digest=links.keys.code_digest(code),
            issued_at=now,
            expires_at=ask.expires_at,
        )
        session.add(grant)
        session.flush()
        claim = claim_of(grant)
        invitations.append(
            Invitation(
                person, request, links.personal_link(claim), code, links.operator(request.flow_run_id), claim
            )
        )
    return invitations


def sealed_links(session: Session, request: ApprovalRequest) -> dict[int, Sealed]:
    """Person id -> their link, sealed for a reminder, for every grant of ``request`` not used yet."""
    grants = session.exec(
        select(ApprovalGrant)
        .where(ApprovalGrant.request_id == request.id)
        .where(col(ApprovalGrant.used_at).is_(None))
    )
    return {grant.person_id: approval_link(claim_of(grant)) for grant in grants}


def open_requests(session: Session, subject: Subject) -> list[ApprovalRequest]:
    return list(
        session.exec(
            select(ApprovalRequest)
            .where(ApprovalRequest.subject_kind == subject.kind)
            .where(ApprovalRequest.subject_id == subject.id)
            .where(col(ApprovalRequest.closed_at).is_(None))
            .order_by(col(ApprovalRequest.round), col(ApprovalRequest.id))
        )
    )


def latest_round(session: Session, subject: Subject) -> int:
    """The subject's highest round so far (0 before the first request)."""
    found = session.exec(
        select(func.max(ApprovalRequest.round))
        .where(ApprovalRequest.subject_kind == subject.kind)
        .where(ApprovalRequest.subject_id == subject.id)
    ).one()
    return int(found or 0)


def close_requests(session: Session, subject: Subject, now: datetime) -> None:
    """The subject is decided: no open link of it works any more."""
    for request in open_requests(session, subject):
        request.closed_at = now
        session.add(request)


def approvals_given(session: Session, request: ApprovalRequest, keys: Keys, *, now: datetime) -> int:
    """Distinct people who approved this request with a genuine answer (answers are unique per
    person; a row whose MAC fails never counts). On four eyes (two approvers or more) an answer
    an operator relayed for someone does not count: it would let one operator meet it alone."""
    answers = session.exec(
        select(ApprovalAnswer)
        .where(ApprovalAnswer.request_id == request.id)
        .where(ApprovalAnswer.decision == "approve")
    ).all()
    four_eyes = request.approvers_required >= 2
    return sum(
        1
        for answer in answers
        if is_genuine(session, keys, answer, request, now=now)
        and not (four_eyes and answer.via == "operator")
    )


def unapplied_answers(
    session: Session, subject: Subject, keys: Keys, *, now: datetime
) -> list[tuple[ApprovalAnswer, ApprovalRequest]]:
    """Answers recorded (by the page, the CLI or the form) that the process has not acted on yet,
    each proven genuine by its MAC; a row that is not is left out and audited (``answer_seal``)."""
    rows = session.exec(
        select(ApprovalAnswer, ApprovalRequest)
        .join(ApprovalRequest, col(ApprovalRequest.id) == col(ApprovalAnswer.request_id))
        .where(ApprovalRequest.subject_kind == subject.kind)
        .where(ApprovalRequest.subject_id == subject.id)
        .where(col(ApprovalAnswer.applied_at).is_(None))
        .order_by(col(ApprovalAnswer.id))
    )
    return [
        (answer, request) for answer, request in rows if is_genuine(session, keys, answer, request, now=now)
    ]


def mark_applied(session: Session, answer: ApprovalAnswer, now: datetime) -> None:
    answer.applied_at = now
    session.add(answer)


def runs_with_unapplied_answers(session: Session) -> list[str]:
    """Waiting runs whose answers arrived while they could not be woken (the sweeps wake them)."""
    requests = session.exec(
        select(ApprovalRequest)
        .join(ApprovalAnswer, col(ApprovalRequest.id) == col(ApprovalAnswer.request_id))
        .where(col(ApprovalAnswer.applied_at).is_(None))
    )
    return sorted({request.flow_run_id for request in requests if request.flow_run_id})


def kinds_of_runs(session: Session, flow_run_ids: list[str]) -> dict[str, str]:
    """The kind of decision each run waits on (the runs that asked): a wake-up names its
    answer among the kind's own."""
    rows = session.exec(
        select(ApprovalRequest.flow_run_id, ApprovalRequest.subject_kind).where(
            col(ApprovalRequest.flow_run_id).in_(flow_run_ids)
        )
    )
    return {run_id: kind for run_id, kind in rows if run_id}
