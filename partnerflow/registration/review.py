"""Manual review: who may decide, four eyes, request-info, and the summary reviewers read.

Each answer a reviewer gives is one *round*, stored as a :class:`ReviewVote` keyed by
(registration, round), so replaying a round (a flow re-run after resume) changes nothing.
The flow only waits; every decision is made here, against the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from partnerflow.audit import record_event
from partnerflow.markdown import md_text
from partnerflow.models import (
    OPEN_STATUSES,
    Partner,
    Person,
    PersonRole,
    Registration,
    RegistrationStatus,
    ReviewVote,
    Role,
)
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import DealRegistrationPolicy, Policy
from partnerflow.registration.intake import approve, reject
from partnerflow.registration.notices import notify_partner, notify_reviewer

SYSTEM_REVIEWER = "system@partnerflow.invalid"
"""The reviewer name of wake-ups sent by partnerflow itself (SLA, partner update): never a vote."""

ReviewState = Literal["waiting", "decided"]


def wake_up_answer(comment: str) -> dict[str, str]:
    """The form values partnerflow itself sends to wake a suspended review run (never a vote)."""
    return {"decision": "approve", "reviewer_email": SYSTEM_REVIEWER, "comment": comment}


class ReviewAnswer(BaseModel):
    """One reviewer's answer, as typed in the Prefect UI form or ``partnerflow review decide``."""

    decision: Literal["approve", "reject", "request-info"]
    reviewer_email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    comment: str = Field(default="", max_length=2000)


@dataclass(frozen=True)
class RoundResult:
    state: ReviewState
    message: str


def reviewers_for(session: Session, level: str) -> list[Person]:
    """Active people holding the role a review level names."""
    return list(
        session.exec(
            select(Person)
            .join(PersonRole)
            .where(PersonRole.role == Role(level))
            .where(col(Person.active))
            .order_by(col(Person.id))
        )
    )


def apply_answer(
    session: Session,
    registration_id: int,
    round_number: int,
    answer: ReviewAnswer,
    *,
    policy: Policy[DealRegistrationPolicy],
    renderer: TemplateRenderer,
    now: datetime,
) -> RoundResult:
    """Apply one round's answer; returns whether the review goes on waiting or is decided."""
    registration = session.get(Registration, registration_id)
    if registration is None or registration.partner_id is None:
        raise LookupError(f"registration {registration_id} does not exist")
    if registration.status not in OPEN_STATUSES:
        return RoundResult("decided", f"registration is {registration.status.value}")
    if answer.reviewer_email == SYSTEM_REVIEWER:
        return RoundResult("waiting", "woken up by partnerflow; still open")
    earlier = session.exec(
        select(ReviewVote)
        .where(ReviewVote.registration_id == registration_id)
        .where(ReviewVote.round == round_number)
    ).first()
    if earlier is not None:
        return RoundResult("waiting", "round already recorded")
    partner = session.get(Partner, registration.partner_id)
    assert partner is not None
    refusal = _refusal(session, registration, answer)
    vote = ReviewVote(
        registration_id=registration_id,
        round=round_number,
        reviewer_email=answer.reviewer_email,
        decision=answer.decision,
        comment=answer.comment,
        level=registration.review_level or "",
        accepted=refusal is None,
        refusal=refusal,
        decided_at=now,
    )
    session.add(vote)
    session.flush()
    if refusal is not None:
        record_event(
            session,
            actor=answer.reviewer_email,
            action="review.refused",
            subject_type="registration",
            subject_id=registration_id,
            details={"decision": answer.decision, "refusal": refusal},
        )
        return RoundResult("waiting", refusal)
    record_event(
        session,
        actor=answer.reviewer_email,
        action=f"review.{answer.decision}",
        subject_type="registration",
        subject_id=registration_id,
        details={"comment": answer.comment, "round": round_number},
    )
    if answer.decision == "reject":
        reject(
            session,
            registration,
            partner,
            reason=answer.comment or "Rejected after review.",
            renderer=renderer,
            now=now,
        )
        return RoundResult("decided", "rejected")
    if answer.decision == "request-info":
        registration.status = RegistrationStatus.INFO_REQUESTED
        registration.info_request = answer.comment
        notify_partner(
            session,
            renderer,
            event="info_requested",
            registration=registration,
            partner=partner,
            suffix=f":{round_number}",
        )
        return RoundResult("waiting", "information requested from the partner")
    approvals = _approvers(session, registration_id)
    if len(approvals) < registration.approvers_required:
        return RoundResult("waiting", f"{len(approvals)} of {registration.approvers_required} approvals")
    if not approve(session, registration, partner, policy=policy, renderer=renderer, now=now):
        reject(
            session,
            registration,
            partner,
            reason="Another partner's registration for this customer was approved first.",
            renderer=renderer,
            now=now,
        )
    return RoundResult("decided", registration.status.value)


def _refusal(session: Session, registration: Registration, answer: ReviewAnswer) -> str | None:
    """Why this reviewer may not give this answer now, or None if they may."""
    level = registration.review_level or Role.CHANNEL_MANAGER.value
    person = session.exec(select(Person).where(Person.email == answer.reviewer_email.lower())).first()
    if person is None or not person.active:
        return f"{answer.reviewer_email} is not an active member of the channel team"
    if Role(level) not in person.roles:
        return f"{answer.reviewer_email} does not hold the {level} role this review needs"
    if answer.decision == "approve" and answer.reviewer_email.lower() in _approvers(
        session, registration.id or 0
    ):
        return f"{answer.reviewer_email} has already approved; a second, different approver is needed"
    if answer.decision == "request-info" and registration.status == RegistrationStatus.INFO_REQUESTED:
        return "information has already been requested; wait for the partner's update"
    return None


def _approvers(session: Session, registration_id: int) -> set[str]:
    votes = session.exec(
        select(ReviewVote)
        .where(ReviewVote.registration_id == registration_id)
        .where(col(ReviewVote.accepted))
        .where(ReviewVote.decision == "approve")
    )
    return {vote.reviewer_email.lower() for vote in votes}


def request_review(
    session: Session,
    registration: Registration,
    *,
    renderer: TemplateRenderer,
    review_url: str,
    round_label: str = "",
) -> int:
    """E-mail every reviewer of the registration's level a link to decide; returns how many."""
    assert registration.partner_id is not None
    partner = session.get(Partner, registration.partner_id)
    assert partner is not None
    reviewers = reviewers_for(session, registration.review_level or Role.CHANNEL_MANAGER.value)
    for reviewer in reviewers:
        notify_reviewer(
            session,
            renderer,
            event="requested",
            registration=registration,
            partner=partner,
            reviewer=reviewer,
            review_url=review_url,
            suffix=round_label,
        )
    return len(reviewers)


def review_summary(session: Session, registration: Registration) -> str:
    """The Markdown a reviewer reads above the decision form."""
    assert registration.partner_id is not None
    partner = session.get(Partner, registration.partner_id)
    assert partner is not None
    history = registration.facts.get("partner", {})
    conflict = registration.facts.get("conflict", {})
    certified = "certified" if partner.certified else "not certified"
    lines = [
        f"### Registration #{registration.id}: {md_text(registration.customer_name)}",
        "",
        "| | |",
        "|---|---|",
        f"| Partner | {md_text(partner.name)} ({partner.tier.value}, {certified}, "
        f"dept {partner.territory_code}) |",
        f"| Customer | {md_text(registration.customer_name)} — dept {registration.customer_departement} |",
        f"| Product lines | {md_text(', '.join(registration.product_lines))} |",
        f"| Amount | {registration.amount} {registration.currency} |",
        f"| Expected close | {registration.expected_close_on} |",
        f"| Partner history | {history.get('approved_registrations', 0)} approved registrations, "
        f"win rate {float(history.get('win_rate', 0.0)):.0%} |",
        "",
        f"**Escalated by rule `{registration.rule_id}`** (policy {registration.policy_version}): "
        f"{md_text(registration.reason or '')}",
        f"Needs **{registration.approvers_required}** approval(s) "
        f"from the **{registration.review_level}** level.",
    ]
    if conflict.get("exists"):
        lines.append(
            f"\n**Conflict:** partner #{conflict['partner_id']} holds a {conflict['status']} "
            f"registration for {md_text(conflict['product_line'])}."
        )
    if registration.notes:
        lines.append(f"\n> {md_text(registration.notes)}")
    lines.append("\nAnswer with your e-mail; *request-info* sends your comment to the partner as a question.")
    return "\n".join(lines)
