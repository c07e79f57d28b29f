"""Removing a partner from the programme: a channel manager's decision, with its cause.

An operator asks (``partnerflow partners remove``: the partner, one of the six causes, a
reason); the ``remove-partner`` run mails every channel manager their personal link and code
and waits; approved, the partner is removed and its exit recorded with the cause and reason
(the exit survey then asks the partner its own view). Nothing is removed on a typed e-mail
address, and a rejection changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from partnerflow.approvals import (
    Applying,
    Ask,
    DecisionOutcome,
    Links,
    Subject,
)
from partnerflow.approvals.first_answer import first_answer_decides
from partnerflow.approvals.invitations import invite_role
from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.markdown import md_text
from partnerflow.models import (
    ApprovalAnswer,
    AttritionCause,
    ExitKind,
    ExitSource,
    Partner,
    PartnerExit,
    PartnerRemoval,
    PartnerStatus,
    Role,
)
from partnerflow.notify import TemplateRenderer
from partnerflow.text import is_clean

SUBJECT_KIND = "removal"
MAX_REASON = 2000


class RemovalRefused(ValueError):
    """The request cannot be made: one line for the operator."""


def ask_removal(
    session: Session, partner_id: int, cause: AttritionCause, reason: str, *, requested_by: str, now: datetime
) -> PartnerRemoval:
    """Record the request (an active partner, a reason given), audited under whoever asked; the
    run then asks the managers."""
    partner = session.get(Partner, partner_id)
    if partner is None or partner.status is not PartnerStatus.ACTIVE:
        raise RemovalRefused(f"partner {partner_id}: no active partner with this id")
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON or not is_clean(reason, allowed="\n"):
        raise RemovalRefused(f"reason: required, plain text, at most {MAX_REASON} characters")
    pending = session.exec(
        select(PartnerRemoval).where(PartnerRemoval.partner_id == partner_id, col(PartnerRemoval.awaiting))
    ).first()
    if pending is not None:
        raise RemovalRefused(
            f"partner {partner_id}: a removal waits for a decision already (request {pending.id})"
        )
    removal = PartnerRemoval(
        partner_id=partner_id, cause=cause, reason=reason, requested_by=requested_by, requested_at=now
    )
    session.add(removal)
    session.flush()
    record_event(
        session,
        now=now,
        actor=requested_by,
        action="partner.removal-requested",
        subject_type="partner",
        subject_id=partner_id,
        details={"removal_id": removal.id, "cause": cause.value},
    )
    return removal


def request_decision(
    session: Session,
    removal_id: int,
    renderer: TemplateRenderer,
    *,
    links: Links,
    run_id: str,
    expires_at: datetime,
    now: datetime,
) -> int:
    """Mail every channel manager their link and code to confirm the removal (once); LookupError
    for a request that does not exist (a run started by hand with a wrong id)."""
    removal = session.get(PartnerRemoval, removal_id)
    if removal is None:
        raise LookupError(
            f"removal_id: no removal request {removal_id} (partnerflow partners remove records one)"
        )
    partner = session.get_one(Partner, removal.partner_id)
    removal.flow_run_id = removal.flow_run_id or run_id
    session.add(removal)
    summary = (
        f"### Remove {md_text(partner.name)} (partner {partner.id}, "
        f"département {partner.territory_code})?\n\n"
        f"Cause: **{removal.cause.value}**. Reason given by {md_text(removal.requested_by)}: "
        f"{md_text(removal.reason)}"
    )
    return invite_role(
        session,
        renderer,
        links,
        Ask(
            Subject(SUBJECT_KIND, removal_id),
            role=Role.CHANNEL_MANAGER,
            approvers_required=1,
            summary=summary,
            expires_at=expires_at,
            flow_run_id=run_id,
        ),
        context={"partner_name": partner.name, "cause": removal.cause.value, "reason": removal.reason},
        now=now,
    )


def apply_removal(at: Applying, removal_id: int) -> DecisionOutcome:
    """Approved: the partner is removed and its exit recorded with the cause; rejected: nothing."""
    session, now = at.session, at.now
    removal = session.get_one(PartnerRemoval, removal_id)

    def decide(answer: ApprovalAnswer) -> None:
        removal.awaiting, removal.decided_by, removal.decided_at = False, answer.person_email, now
        if answer.decision == "approve":
            partner = session.get_one(Partner, removal.partner_id)
            partner.status = PartnerStatus.REMOVED
            session.add(partner)
            session.add(
                PartnerExit(
                    partner_id=removal.partner_id,
                    left_on=programme_date(now),
                    kind=ExitKind.REMOVED,
                    cause=removal.cause,
                    source=ExitSource.CHANNEL_MANAGER,
                    reason=removal.reason,
                    recorded_at=now,
                )
            )
            removal.removed = True
        session.add(removal)
        record_event(
            session,
            now=now,
            actor=answer.person_email,
            action="partner.removed" if removal.removed else "partner.removal-rejected",
            subject_type="partner",
            subject_id=removal.partner_id,
            details={
                "cause": removal.cause.value,
                "reason": removal.reason,
                "asked_by": removal.requested_by,
            },
        )

    done = first_answer_decides(at, Subject(SUBJECT_KIND, removal_id), lambda: removal.awaiting, decide)
    status = ("removed" if removal.removed else "kept") if done else "awaiting"
    return DecisionOutcome(done, status, f"removal {removal_id}: {status}")
