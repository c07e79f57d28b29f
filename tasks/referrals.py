"""The referral programme's I/O steps."""

from __future__ import annotations

from datetime import timedelta

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.models import PilotReview, Registration
from partnerflow.orchestration.prefect_api import PrefectUnavailable, start_run
from partnerflow.referrals.codes import referrals_from_codes
from partnerflow.referrals.invitations import InvitationRound, invite_sponsors
from partnerflow.referrals.pilot import (
    decision_markdown,
)
from partnerflow.referrals.pilot_figures import PilotFigures, publish_figures
from partnerflow.referrals.qualification import QualificationReport, qualify_referrals
from partnerflow.referrals.review import (
    claim_review,
    referrals_to_review,
    request_review,
)
from tasks.settings import STEP, SWEEP

REVIEW_LINKS_WORK_FOR = timedelta(days=14)
OWNER_LINKS_WORK_FOR = timedelta(days=30)


@task(name="invite-sponsors", **SWEEP)
def invite_pilot_sponsors() -> InvitationRound:
    """Behind the launch gate, invite the best eligible sponsors up to the pilot's size."""
    ctx = context()
    today = ctx.clock.today()
    with session_scope() as session:
        return invite_sponsors(
            session,
            ctx.policy("referral_programme", today),
            today=today,
            now=ctx.clock.now(),
            renderer=ctx.renderer,
        )


@task(name="qualify-referrals", **SWEEP)
def qualify_pending(registration_id: int | None) -> QualificationReport:
    """Turn the referral codes quoted on registrations into referrals, then qualify the pending
    referrals of the company that registration names (all, without one)."""
    ctx = context()
    with session_scope() as session:
        key = None
        if registration_id is not None:
            registration = session.get(Registration, registration_id)
            if registration is None:
                return QualificationReport()
            key = registration.customer_key
        referrals_from_codes(session, customer_key=key)  # codes quoted on registrations first
        return qualify_referrals(
            session,
            ctx.policy("referral_programme", ctx.clock.today()),
            now=ctx.clock.now(),
            customer_key=key,
        )


@task(name="start-referral-reviews", **SWEEP)
def start_referral_reviews() -> int:
    """Start a review-referral run for each flagged referral no run has claimed. Without a served
    deployment nothing is lost: the referral stays unclaimed and the next sweep starts it."""
    with session_scope() as session:
        referral_ids = referrals_to_review(session)
    try:
        for referral_id in referral_ids:
            start_run("review-referral/review-referral", {"referral_id": referral_id})
    except PrefectUnavailable as error:
        get_run_logger().warning("flagged referrals wait for the next sweep: %s", error)
        return 0
    return len(referral_ids)


@task(name="ask-referral-review", **STEP)
def ask_referral_review(referral_id: int, flow_run_id: str) -> bool:
    """Claim the referral for this run and mail the channel managers; False: another run has it."""
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        if not claim_review(session, referral_id, flow_run_id):
            return False
        request_review(
            session,
            referral_id,
            ctx.renderer,
            links=ctx.links,
            run_id=flow_run_id,
            expires_at=now + REVIEW_LINKS_WORK_FOR,
            now=now,
        )
    return True


@task(name="publish-pilot-figures", **STEP)
def publish_pilot_figures(flow_run_id: str) -> PilotFigures:
    """The programme's figures for this run (``referrals.pilot_figures``), published as the
    run's artifacts."""
    with session_scope() as session:
        published = publish_figures(context().asking(session, flow_run_id))
    today = context().clock.today()
    create_markdown_artifact(
        published.summary, key="referral-programme", description=f"Referral programme as of {today}"
    )
    create_table_artifact(
        list(published.months), key="referral-programme-months", description="Per cohort and month"
    )
    return published


@task(name="publish-pilot-decision", **STEP)
def publish_pilot_decision(review_id: int, summary: str) -> str:
    """The programme's artifact again, under its key, with the owner's decision below the figures."""
    with session_scope() as session:
        decision = decision_markdown(session.get_one(PilotReview, review_id))
    create_markdown_artifact(
        summary + "\n" + decision, key="referral-programme", description="Referral programme"
    )
    return decision
