"""Scheduled deal-registration upkeep: the review clock, protection expiry, extension requests."""

from prefect import flow

from flows.parameters import RecordNumber
from flows.results import FlowResult
from flows.runners import bounded_threads
from partnerflow.registration.protection import ExpiryReport, ExtensionDecision
from partnerflow.registration.sla import SweepReport
from tasks.notifications import send_pending_notifications
from tasks.registration_upkeep import (
    decide_extension,
    start_review_runs,
    sweep_registration_expiry,
    sweep_review_sla,
)
from tasks.runs import wake_suspended_runs


class ReviewSla(FlowResult):
    """The review clocks advanced (reminded, escalated, decided by default), and the review runs
    woken or started for them."""

    sweep: SweepReport
    woken: int
    started: int


@flow(name="review-sla", flow_run_name="review-sla", task_runner=bounded_threads())
def review_sla() -> ReviewSla:
    """Remind reviewers, escalate overdue reviews, apply final outcomes; wake or start review runs."""
    report = sweep_review_sla()
    woken = wake_suspended_runs(report.runs_to_wake)
    started = start_review_runs(report.without_run)
    send_pending_notifications()
    return ReviewSla(sweep=report, woken=woken, started=started)


@flow(name="registration-expiry", flow_run_name="registration-expiry", task_runner=bounded_threads())
def registration_expiry() -> ExpiryReport:
    """Daily: remind partners before their protection ends and expire what has ended."""
    report = sweep_registration_expiry()
    send_pending_notifications()
    return report


@flow(
    name="request-extension",
    flow_run_name="request-extension-{registration_id}",
    task_runner=bounded_threads(),
)
def request_extension(registration_id: RecordNumber) -> ExtensionDecision:
    """Ask for more protection time; the policy grants it or says why not.

    Args:
        registration_id: the approved registration to extend.
    """
    decision = decide_extension(registration_id)
    send_pending_notifications()
    return decision
