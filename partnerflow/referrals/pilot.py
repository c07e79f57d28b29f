"""The pilot before the roll-out: a small cohort of the best sponsors until the policy's end date;
then the programme owner reads the figures and decides.

- *rollout*: from then on every eligible sponsor is invited (cohort ``rollout``);
- *extend*: the pilot goes on for the policy's extension, and is reviewed again at its new end;
- *stop*: nobody else is invited. Referrals already made keep their promise: they still qualify
  and their rewards are paid.

``referral-pilot-review`` (daily) opens the review the day after the pilot's end, once per end
date (the table's unique key), with the figures as the owner read them; the owner answers with
their personal link or code (approvals module). Until a decision, the pilot invites nobody new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from partnerflow.approvals import (
    Applying,
    Ask,
    Asking,
    DecisionOutcome,
    Subject,
)
from partnerflow.approvals.first_answer import first_answer_decides
from partnerflow.approvals.invitations import invite_role
from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.markdown import md_text
from partnerflow.models import ApprovalAnswer, PilotReview, Role
from partnerflow.policy import Policy, ReferralProgrammePolicy
from partnerflow.referrals.report import ReferralFigures, figures_markdown

SUBJECT_KIND = "referral-pilot"
PILOT, ROLLOUT, STOPPED = "pilot", "rollout", "stopped"


@dataclass(frozen=True)
class Stage:
    """Where the programme stands: the pilot (until ``pilot_ends_on``), rolled out, or stopped;
    ``awaiting`` while the owner has not decided on an ended pilot."""

    name: str
    pilot_ends_on: date
    awaiting: bool = False

    def invites(self, today: date) -> bool:
        return self.name == ROLLOUT or (self.name == PILOT and today <= self.pilot_ends_on)


def programme_stage(session: Session, policy: Policy[ReferralProgrammePolicy]) -> Stage:
    """The latest decision decides; without one, the policy's pilot."""
    ends_on = policy.document.pilot.ends_on
    for review in session.exec(select(PilotReview).order_by(col(PilotReview.ends_on))).all():
        if review.decision is None:
            return Stage(PILOT, review.ends_on, awaiting=True)
        if review.decision == "rollout":
            return Stage(ROLLOUT, review.ends_on)
        if review.decision == "stop":
            return Stage(STOPPED, review.ends_on)
        ends_on = review.extended_to or ends_on
    return Stage(PILOT, ends_on)


def open_review(
    session: Session,
    policy: Policy[ReferralProgrammePolicy],
    figures: ReferralFigures,
    *,
    today: date,
    run_id: str,
    now: datetime,
) -> PilotReview | None:
    """The review this run asks about: opened once the pilot has ended (once per end date), or
    one still waiting that no other run holds; None when there is nothing to review today."""
    stage = programme_stage(session, policy)
    if stage.name != PILOT or today <= stage.pilot_ends_on:
        return None
    review = PilotReview(
        ends_on=stage.pilot_ends_on,
        policy_version=policy.version,
        figures=figures.as_dict(),
        flow_run_id=run_id,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(review)
    except IntegrityError:  # opened before: take it over if its run is gone (the sweep restarts it)
        session.connection().execute(
            update(PilotReview)
            .where(col(PilotReview.ends_on) == stage.pilot_ends_on, col(PilotReview.decision).is_(None))
            .values(flow_run_id=run_id)
        )
        found = session.exec(select(PilotReview).where(PilotReview.ends_on == stage.pilot_ends_on)).one()
        return found if found.decision is None else None
    return review


def ask_owner(at: Asking, review: PilotReview, figures: ReferralFigures, *, expires_at: datetime) -> int:
    """Mail every programme owner their link and code, with the figures (once per review)."""
    assert review.id is not None
    pilot = [verdict for verdict in figures.verdicts if verdict.cohort == PILOT]
    verdict = pilot[0].reason if pilot else "no referral yet"
    return invite_role(
        at.session,
        at.renderer,
        at.links,
        Ask(
            Subject(SUBJECT_KIND, review.id),
            role=Role.PROGRAMME_OWNER,
            approvers_required=1,
            summary=figures_markdown(figures),
            expires_at=expires_at,
            flow_run_id=review.flow_run_id or "",
        ),
        context={"ends_on": review.ends_on, "verdict": verdict},
        now=at.now,
    )


def apply_owner_answer(at: Applying, review_id: int) -> DecisionOutcome:
    """The first authenticated answer decides; an extension sets the pilot's new end (the
    policy in force that day says by how long)."""
    session, now = at.session, at.now
    review = session.get_one(PilotReview, review_id)

    def decide(answer: ApprovalAnswer) -> None:
        review.decision, review.decided_by, review.decided_at = answer.decision, answer.person_email, now
        if answer.decision == "extend":
            policy: Policy[ReferralProgrammePolicy] = at.policy("referral_programme", programme_date(now))
            review.extended_to = review.ends_on + timedelta(days=policy.document.pilot.extension_days)
        session.add(review)
        record_event(
            session,
            now=now,
            actor=answer.person_email,
            action=f"referral-pilot.{answer.decision}",
            subject_type="referral-pilot",
            subject_id=review_id,
            details={"ends_on": review.ends_on.isoformat(), "extended_to": str(review.extended_to or "")},
        )

    first_answer_decides(at, Subject(SUBJECT_KIND, review_id), lambda: review.decision is None, decide)
    if review.decision is None:
        return DecisionOutcome(False, "awaiting", f"pilot ended {review.ends_on}: waiting for the owner")
    until = f" until {review.extended_to}" if review.extended_to else ""
    return DecisionOutcome(True, review.decision, f"pilot ended {review.ends_on}: {review.decision}{until}")


def decision_markdown(review: PilotReview) -> str:
    """The programme owner's decision on the pilot, for the run's artifact."""
    if review.decision is None:
        return ""
    when = f" on {review.decided_at:%Y-%m-%d}" if review.decided_at else ""
    lines = ["", "## Decision", "", f"**{review.decision}** by {md_text(review.decided_by or '')}{when}."]
    if review.extended_to is not None:
        lines.append(f"The pilot goes on until {review.extended_to:%Y-%m-%d}.")
    return "\n".join(lines)
