"""The clock of the decisions that have none of their own (see partnerflow.approvals.deadlines)."""

from prefect import flow

from flows.results import FlowResult, Mail
from flows.runners import bounded_threads
from partnerflow.approvals.deadlines import DeadlineSweep
from tasks.decisions import sweep_decision_deadlines
from tasks.notifications import send_pending_notifications


class Deadlines(FlowResult):
    """The approval requests reminded and escalated, and the mail that sent."""

    sweep: DeadlineSweep
    mail: Mail


@flow(name="decision-deadlines", flow_run_name="decision-deadlines", task_runner=bounded_threads())
def decision_deadlines() -> Deadlines:
    """Every 15 minutes: remind people of the decisions they have not answered (settlements,
    rebalancings, partner health, admissions, removals, referrals, closes, the pilot), their link
    renewed, and tell the escalation role of overdue ones; then send what that queued."""
    report = sweep_decision_deadlines()
    return Deadlines(sweep=report, mail=Mail.of(send_pending_notifications()))
