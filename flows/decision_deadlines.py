"""The clock of the decisions that have none of their own (see partnerflow.approvals.deadlines)."""

from dataclasses import asdict
from typing import Any

from prefect import flow

from flows.runners import bounded_threads
from tasks.decisions import sweep_decision_deadlines
from tasks.notifications import send_pending_notifications


@flow(name="decision-deadlines", flow_run_name="decision-deadlines", task_runner=bounded_threads())
def decision_deadlines() -> dict[str, Any]:
    """Every 15 minutes: remind people of the decisions they have not answered (settlements,
    rebalancings, partner health, admissions, removals, referrals, closes, the pilot), their link
    renewed, and tell the escalation role of overdue ones; then send what that queued."""
    report = sweep_decision_deadlines()
    return {**asdict(report), **send_pending_notifications().counts()}
