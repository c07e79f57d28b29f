"""Partner health's I/O steps: the monthly review and its actions, the anonymous survey's rounds
and reminders, the onboarding path and certification reminders, candidates' admission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from partnerflow.approvals.form_items import FormItem
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.health import PartnerHealth, assess_partners, attrition_trend, levels_count
from partnerflow.health.exit_survey import invite_leavers
from partnerflow.health.report import ReportInputs, write_report
from partnerflow.health.review import (
    AT_RISK,
    follow_ups,
    partner_groups,
    record_review,
    request_actions,
    review_markdown,
    review_outcome_markdown,
)
from partnerflow.health.survey import latest_round, open_round, remind, results
from partnerflow.models import HealthReview, HealthReviewStatus
from partnerflow.territories import departement_label
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


@dataclass(frozen=True)
class ReviewedMonth:
    """A month's review as its run stored it: what managers read, and the report's path."""

    month: str
    review_id: int
    status: str
    counts: dict[str, int]
    summary: str
    report: str
    items: tuple[FormItem, ...] = ()  # the at-risk partners, an action each on the manager's form


@task(name="review-partner-health", **STEP)
def review_partner_health(month: str, flow_run_id: str) -> ReviewedMonth:
    """Every active partner's health (stored once per month), the report, artifacts, and the
    channel managers asked to choose actions for the at-risk partners."""
    ctx = context()
    now, today = ctx.clock.now(), ctx.clock.today()
    policy = ctx.policy("partner_health", today)
    with session_scope() as session:
        assessed = assess_partners(session, policy, now)
        review = record_review(session, month, assessed, policy_version=policy.version, now=now)
        if review.flow_run_id is None:
            review.flow_run_id = flow_run_id
            session.add(review)
        followed = follow_ups(session, review)
        tiers, regions = partner_groups(session)
        survey_label = latest_round(session, closed_by=now)
        inputs = ReportInputs(
            month=month,
            policy_version=policy.version,
            assessed=assessed,
            tiers=tiers,
            regions=regions,
            attrition=attrition_trend(
                session, today.year, inactive_after=timedelta(days=policy.document.windows.inactive_days)
            ),
            survey=results(session, survey_label, now=now) if survey_label else None,
            followed=followed,
        )
        page = write_report(ctx.settings.reports_dir, inputs)
        report = ctx.links.report(page.name)
        summary = review_markdown(month, assessed, followed, report)
        counts = levels_count(assessed)
        if review.status is HealthReviewStatus.AWAITING_ACTIONS:
            request_actions(
                session,
                review,
                ctx.renderer,
                links=ctx.links,
                summary=summary,
                at_risk=counts["at-risk"],
                run_id=flow_run_id,
                expires_at=review.created_at + ACTION_LINKS_WORK_FOR,
                now=now,
            )
        status, review_id = review.status.value, review.id or 0
    create_markdown_artifact(summary, key=f"partner-health-{month}", description=f"Partner health {month}")
    create_table_artifact(
        [row for row in (_row(health) for health in assessed) if row["level"] != "healthy"],
        key=f"partner-health-{month}-partners",
        description="Partners at risk or to watch, with their drivers",
    )
    at_risk = tuple(
        FormItem(str(h.partner_id), f"{h.name}, {departement_label(h.territory_code)}")
        for h in assessed
        if h.level == AT_RISK
    )
    return ReviewedMonth(month, review_id, status, counts, summary, report, at_risk)


@task(name="publish-health-outcome", **STEP)
def publish_health_outcome(month: str, review_id: int, summary: str) -> str:
    """The month's artifact again, under its key, with the actions chosen below the summary."""
    with session_scope() as session:
        outcome = review_outcome_markdown(session, session.get_one(HealthReview, review_id))
    create_markdown_artifact(
        summary + "\n" + outcome, key=f"partner-health-{month}", description=f"Partner health {month}"
    )
    return outcome


def _row(health: PartnerHealth) -> dict[str, Any]:
    return {
        "partner_id": health.partner_id,
        "name": health.name,
        "departement": health.territory_code,
        "level": health.level,
        "drivers": ", ".join(f"{driver.id} ({driver.cause})" for driver in health.drivers),
    }
