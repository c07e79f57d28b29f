"""A flagged referral waits for a channel manager: clear its flags (the rewards are held as any
other) or reject it (the rewards are cancelled).

The ``review-referral`` run of a flagged referral mails every channel manager their personal link
and code, with the flags and their reasons, and waits; the first authenticated answer decides.
Only the run that first claimed the referral asks: a second run started for the same referral
(the daily sweep racing the event) finds it claimed and ends.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
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
from partnerflow.markdown import md_text
from partnerflow.models import (
    ApprovalAnswer,
    Customer,
    Referral,
    ReferralReward,
    ReferralStatus,
    RewardStatus,
    Role,
    SponsorInvitation,
)
from partnerflow.notify import TemplateRenderer

SUBJECT_KIND = "referral"


def referrals_to_review(session: Session) -> list[int]:
    """Flagged referrals no run has claimed yet (the daily sweep starts one run for each)."""
    query = select(Referral.id).where(
        Referral.status == ReferralStatus.FLAGGED, col(Referral.review_run_id).is_(None)
    )
    return [found for found in session.exec(query.order_by(col(Referral.id))).all() if found is not None]


def claim_review(session: Session, referral_id: int, run_id: str) -> bool:
    """Make ``run_id`` the run that asks about this referral; False when another run has it (or
    it is no longer flagged): that run then has nothing to do."""
    session.connection().execute(
        update(Referral)
        .where(
            col(Referral.id) == referral_id,
            col(Referral.status) == ReferralStatus.FLAGGED,
            col(Referral.review_run_id).is_(None),
        )
        .values(review_run_id=run_id)
    )
    referral = session.get(Referral, referral_id, populate_existing=True)
    return referral is not None and referral.review_run_id == run_id


def request_review(
    session: Session,
    referral_id: int,
    renderer: TemplateRenderer,
    *,
    links: Links,
    run_id: str,
    expires_at: datetime,
    now: datetime,
) -> int:
    """Mail every channel manager their link and code, with the flags (once per referral)."""
    referral = session.get_one(Referral, referral_id)
    invitation = session.get_one(SponsorInvitation, referral.invitation_id)
    sponsor = session.get_one(Customer, invitation.customer_id)
    rewards = _rewards(session, referral_id)
    amounts = ", ".join(f"{reward.side} {reward.amount} {reward.currency}" for reward in rewards)
    summary = (
        f"### Referral {referral_id}: {md_text(referral.company)}, referred by {md_text(sponsor.name)}\n\n"
        + "".join(f"- {md_text(flag)}\n" for flag in referral.flags)
        + f"\nRewards waiting: {amounts or 'none'}. Approve pays them as usual; reject cancels them."
    )
    return invite_role(
        session,
        renderer,
        links,
        Ask(
            Subject(SUBJECT_KIND, referral_id),
            role=Role.CHANNEL_MANAGER,
            approvers_required=1,
            summary=summary,
            expires_at=expires_at,
            flow_run_id=run_id,
        ),
        context={
            "referral_id": referral_id,
            "company": referral.company,
            "sponsor_name": sponsor.name,
            "flags": referral.flags,
            "rewards": amounts,
        },
        now=now,
    )


def apply_review(at: Applying, referral_id: int) -> DecisionOutcome:
    """Approved: the referral counts and its rewards are held like any other; rejected: they are
    cancelled. Only the first answer decides; later ones are recorded and change nothing."""
    session, now = at.session, at.now
    referral = session.get_one(Referral, referral_id)

    def decide(answer: ApprovalAnswer) -> None:
        approved = answer.decision == "approve"
        referral.status = ReferralStatus.QUALIFIED if approved else ReferralStatus.REJECTED
        referral.decided_by = answer.person_email
        session.add(referral)
        for reward in _rewards(session, referral_id):
            if reward.status is RewardStatus.FLAGGED:
                reward.status = RewardStatus.HELD if approved else RewardStatus.CANCELLED
                verdict = "flags cleared" if approved else "referral rejected"
                reward.explanation += f"; {verdict} by {answer.person_email}"
                session.add(reward)
        record_event(
            session,
            now=now,
            actor=answer.person_email,
            action="referral.cleared" if approved else "referral.rejected",
            subject_type="referral",
            subject_id=referral_id,
            details={"flags": referral.flags, "comment": answer.comment},
        )

    flagged = ReferralStatus.FLAGGED
    done = first_answer_decides(
        at, Subject(SUBJECT_KIND, referral_id), lambda: referral.status is flagged, decide
    )
    status = referral.status.value
    return DecisionOutcome(done, status, f"referral {referral_id}: {status}")


def _rewards(session: Session, referral_id: int) -> list[ReferralReward]:
    query = select(ReferralReward).where(ReferralReward.referral_id == referral_id)
    return list(session.exec(query.order_by(col(ReferralReward.side))).all())
