"""A month's health review for the run that will wait for its actions: every active partner
assessed (stored once per month), the report written, and the channel managers asked to choose
an action for each partner at risk.

A use case of its own, not a task's body: the partner-health run calls it through a task (which
adds Prefect's artifacts), and a command or a test calls it the same way with the Context's
``asking``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from partnerflow.approvals import Asking
from partnerflow.approvals.form_items import FormItem
from partnerflow.clock import programme_date
from partnerflow.health.assessment import PartnerHealth, assess_partners, levels_count
from partnerflow.health.attrition import attrition_trend
from partnerflow.health.report import ReportInputs, write_report
from partnerflow.health.review import (
    AT_RISK,
    follow_ups,
    partner_groups,
    record_review,
    request_actions,
    review_markdown,
)
from partnerflow.health.survey import latest_round, results
from partnerflow.models import HealthReviewStatus
from partnerflow.territories import departement_label

ACTION_LINKS_WORK_FOR = timedelta(days=14)  # the month's actions wait this long for a manager


@dataclass(frozen=True)
class ReviewedMonth:
    """A month's review as its run stored it: what managers read, the report's link, the
    partners to watch or at risk (one table row each), and the at-risk ones as the items of
    the managers' form (an action each)."""

    month: str
    review_id: int
    status: str
    counts: dict[str, int]
    summary: str
    report: str
    items: tuple[FormItem, ...] = ()
    watched: tuple[dict[str, Any], ...] = ()


def review_month(at: Asking, month: str) -> ReviewedMonth:
    """Assess every active partner under the policy in force today, store the month's review
    (once: a second call returns the stored one, claimed by the first run), write the report and
    ask the channel managers when a partner is at risk."""
    session, today = at.session, programme_date(at.now)
    policy = at.policy("partner_health", today)
    assessed = assess_partners(session, policy, at.now)
    review = record_review(session, month, assessed, policy_version=policy.version, now=at.now)
    if review.flow_run_id is None:
        review.flow_run_id = at.flow_run_id
        session.add(review)
    followed = follow_ups(session, review)
    tiers, regions = partner_groups(session)
    survey_label = latest_round(session, closed_by=at.now)
    inactive_after = timedelta(days=policy.document.windows.inactive_days)
    inputs = ReportInputs(
        month=month,
        policy_version=policy.version,
        assessed=assessed,
        tiers=tiers,
        regions=regions,
        attrition=attrition_trend(session, today.year, inactive_after=inactive_after),
        survey=results(session, survey_label, now=at.now) if survey_label else None,
        followed=followed,
    )
    report = at.links.report(write_report(at.reports_dir, inputs).name)
    summary = review_markdown(month, assessed, followed, report)
    counts = levels_count(assessed)
    if review.status is HealthReviewStatus.AWAITING_ACTIONS:
        expires_at = review.created_at + ACTION_LINKS_WORK_FOR
        request_actions(at, review, summary=summary, at_risk=counts["at-risk"], expires_at=expires_at)
    at_risk = tuple(
        FormItem(str(h.partner_id), f"{h.name}, {departement_label(h.territory_code)}")
        for h in assessed
        if h.level == AT_RISK
    )
    watched = tuple(row for row in map(_row, assessed) if row["level"] != "healthy")
    return ReviewedMonth(
        month, review.id or 0, review.status.value, counts, summary, report, at_risk, watched
    )


def _row(health: PartnerHealth) -> dict[str, Any]:
    return {
        "partner_id": health.partner_id,
        "name": health.name,
        "departement": health.territory_code,
        "level": health.level,
        "drivers": ", ".join(f"{driver.id} ({driver.cause})" for driver in health.drivers),
    }
