"""Answers that cannot be forged: each row carries a MAC over what it says, made with the key.

Measured before: a row inserted in ``approval_answer`` (with its grant marked used) by someone who
could write the database was applied by the next ``review-sla`` run as a genuine approval, with
no ``approval.answered`` event. Now every answer is sealed when it is recorded, over the request
(subject, round, role), the person, the decision, comment and details, the channel, the actor,
the operator's reason and the time; the processes only ever apply or count answers whose MAC
verifies. A row that fails is never applied nor counted, and is audited once as
``approval.forged`` (subject ``approval-answer`` and its id) for someone to look into. Without the
key, which is not in the database, a writer cannot make a row that verifies.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from partnerflow.approvals.keys import Keys
from partnerflow.audit import record_event
from partnerflow.models import ApprovalAnswer, ApprovalRequest, AuditEvent

FORGED = "approval.forged"


def answer_mac(keys: Keys, answer: ApprovalAnswer, request: ApprovalRequest) -> str:
    return keys.answer_mac(_facts(answer, request))


def is_genuine(
    session: Session, keys: Keys, answer: ApprovalAnswer, request: ApprovalRequest, *, now: datetime
) -> bool:
    """True when the answer's MAC verifies; otherwise audits it (once) and says False."""
    if hmac.compare_digest(answer.mac, answer_mac(keys, answer, request)):
        return True
    already = session.exec(
        select(AuditEvent.id).where(
            AuditEvent.action == FORGED,
            AuditEvent.subject_type == "approval-answer",
            AuditEvent.subject_id == str(answer.id),
        )
    ).first()
    if already is None:
        record_event(
            session,
            now=now,
            actor="system:approvals",
            action=FORGED,
            subject_type="approval-answer",
            subject_id=answer.id or 0,
            details={
                "subject": f"{request.subject_kind} {request.subject_id}",
                "round": request.round,
                "person": answer.person_email,
                "decision": answer.decision,
                "why": "its MAC does not verify: written without the key, or altered; not applied",
            },
        )
    return False


def _facts(answer: ApprovalAnswer, request: ApprovalRequest) -> list[Any]:
    return [
        request.id,
        request.subject_kind,
        request.subject_id,
        request.round,
        request.role,
        answer.person_id,
        answer.person_email,
        answer.decision,
        answer.comment,
        answer.details,
        answer.via,
        answer.actor,
        answer.reason,
        answer.answered_at.astimezone(UTC).isoformat(),
    ]
