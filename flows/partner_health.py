"""The monthly partner-health review: every active partner's health, a report, and the actions a
channel manager chooses for the partners at risk (see partnerflow.health.review)."""

from typing import Any, Literal

from prefect import flow
from prefect.input import RunInput
from pydantic import Field

from flows.parameters import MonthText
from flows.runners import DecisionRounds, bounded_threads, current_run_id, subject_run_name
from partnerflow.approvals import AnswerFields
from partnerflow.context import context
from partnerflow.health.review import month_of
from tasks.health import record_health_actions, review_partner_health
from tasks.notifications import send_pending_notifications

Action = Literal["coaching-call", "training-invitation", "programme-exception", "no-action"]


class HealthActions(RunInput, AnswerFields):
    """A channel manager's actions for the month's at-risk partners, with their code."""

    decision: Literal["approve"] = Field(default="approve", description="record the actions below")
    actions: dict[int, Action] = Field(
        default_factory=dict, description="At-risk partner id -> action (partners left out: no action)"
    )


@flow(
    name="partner-health",
    flow_run_name=subject_run_name("partner-health", "month", lambda: month_of(context().clock.today())),
    persist_result=True,
    task_runner=bounded_threads(),
)
def partner_health(month: MonthText | None = None) -> dict[str, Any]:
    """Monthly: assess every active partner, write the report, then wait (suspended) for a channel
    manager to choose an action per at-risk partner; the partners get their messages.

    Args:
        month: the month the review is filed under (YYYY-MM); empty: this month.
    """
    chosen = month or month_of(context().clock.today())
    run_id = current_run_id()
    reviewed = review_partner_health(chosen, run_id)
    status = reviewed.status
    if status == "awaiting-actions":
        send_pending_notifications()
        rounds = DecisionRounds(HealthActions, "actions", reviewed.summary)
        for round_number, values in rounds:
            outcome = record_health_actions(reviewed.review_id, run_id, round_number, values)
            status = outcome.status
            if outcome.done:
                break
            rounds.answered(outcome.message)
    sent = send_pending_notifications()
    return {
        "month": chosen,
        "status": status,
        "levels": reviewed.counts,
        "report": reviewed.report,
        **sent.counts(),
    }
