"""The monthly partner-health review: every active partner's health, a report, and the actions a
channel manager chooses for the partners at risk (see partnerflow.health.review)."""

from typing import Annotated, Literal

from prefect import flow

from flows.parameters import LeftEmpty, MonthText
from flows.results import Decided, Mail
from flows.runners import (
    DecisionRounds,
    bounded_threads,
    current_run_id,
    decision_form,
    subject_run_name,
    wait_for_decision,
)
from partnerflow.approvals.form_items import ItemFields, with_items
from partnerflow.context import context
from partnerflow.health.decisions import HEALTH_ACTIONS
from partnerflow.health.review import month_of
from tasks.health import publish_health_outcome, review_partner_health
from tasks.notifications import send_pending_notifications
from tasks.runs import day_of_run

Action = Literal["coaching-call", "training-invitation", "programme-exception", "no-action"]


HealthActions = decision_form(
    HEALTH_ACTIONS,
    "HealthActions",
    "A channel manager's actions for the month's at-risk partners, with their code.",
)


ACTIONS = ItemFields("actions", Action, "no-action", "What the channel team does for this partner this month")


class HealthMonth(Decided):
    """A month's health review (``subject``: the review): partners by level, and its report."""

    month: str
    levels: dict[str, int]
    report: str


@flow(
    name="partner-health",
    flow_run_name=subject_run_name("partner-health", "month", lambda: month_of(context().clock.today())),
    persist_result=True,
    task_runner=bounded_threads(),
)
def partner_health(month: Annotated[MonthText | None, LeftEmpty] = None) -> HealthMonth:
    """Monthly: assess every active partner, write the report, then wait (suspended) for a channel
    manager to choose an action per at-risk partner; the partners get their messages.

    Args:
        month: the month the review is filed under (YYYY-MM); empty: this month.
    """
    chosen = month or month_of(day_of_run())
    run_id = current_run_id()
    reviewed = review_partner_health(chosen, run_id)
    status = reviewed.status
    if status == "awaiting-actions":
        send_pending_notifications()
        rounds = DecisionRounds(
            with_items(HealthActions, ACTIONS, reviewed.items), "actions", reviewed.summary
        )
        status = wait_for_decision(HEALTH_ACTIONS, reviewed.review_id, rounds).status
        publish_health_outcome(chosen, reviewed.review_id, reviewed.summary)
    return HealthMonth(
        subject=reviewed.review_id,
        status=status,
        mail=Mail.of(send_pending_notifications()),
        month=chosen,
        levels=reviewed.counts,
        report=reviewed.report,
    )
