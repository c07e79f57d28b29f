"""Partner health's I/O steps: the monthly review and its actions, the anonymous survey's rounds
and reminders, the onboarding path and certification reminders, candidates' admission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.health.exit_survey import invite_leavers
from partnerflow.health.monthly_review import ReviewedMonth, review_month
from partnerflow.health.review import (
    review_outcome_markdown,
)
from partnerflow.health.survey import open_round, remind
from partnerflow.models import HealthReview
from tasks.settings import STEP, SWEEP

ACTION_LINKS_WORK_FOR = timedelta(days=14)  # the month's actions wait this long for a manager


@dataclass(frozen=True)
class SurveyOpened:
    label: str
    invited: int  # 0 when the round was already open


@task(name="open-survey-round", **SWEEP)
def open_survey_round(label: str) -> SurveyOpened:
    """Open the round ``label`` and queue each partner contact's invitation (once per round)."""
    ctx = context()
    policy = ctx.policy("partner_health", ctx.clock.today())
    with session_scope() as session:
        opened = open_round(
            session,
            label=label,
            now=ctx.clock.now(),
            settings=policy.document.survey,
            policy_version=policy.version,
            renderer=ctx.renderer,
        )
        return SurveyOpened(label, opened.invited)


@task(name="invite-leavers", **SWEEP)
def invite_leaving_partners() -> int:
    """The exit survey to each partner that left in the last 30 days and was not asked yet."""
    ctx = context()
    with session_scope() as session:
        return invite_leavers(session, today=ctx.clock.today(), now=ctx.clock.now(), renderer=ctx.renderer)


@task(name="remind-survey", **SWEEP)
def remind_survey() -> int:
    """One reminder to each contact who has not answered an open round past its reminder day."""
    ctx = context()
    with session_scope() as session:
        return remind(session, now=ctx.clock.now(), renderer=ctx.renderer)


@task(name="review-partner-health", **STEP)
def review_partner_health(month: str, flow_run_id: str) -> ReviewedMonth:
    """The month's review for this run (``health.monthly_review``), its summary and the partners
    to watch published as the run's artifacts."""
    with session_scope() as session:
        reviewed = review_month(context().asking(session, flow_run_id), month)
    create_markdown_artifact(
        reviewed.summary, key=f"partner-health-{month}", description=f"Partner health {month}"
    )
    create_table_artifact(
        list(reviewed.watched),
        key=f"partner-health-{month}-partners",
        description="Partners at risk or to watch, with their drivers",
    )
    return reviewed


@task(name="publish-health-outcome", **STEP)
def publish_health_outcome(month: str, review_id: int, summary: str) -> str:
    """The month's artifact again, under its key, with the actions chosen below the summary."""
    with session_scope() as session:
        outcome = review_outcome_markdown(session, session.get_one(HealthReview, review_id))
    create_markdown_artifact(
        summary + "\n" + outcome, key=f"partner-health-{month}", description=f"Partner health {month}"
    )
    return outcome
