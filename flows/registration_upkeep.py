"""Scheduled deal-registration upkeep: the review clock, protection expiry, extension requests."""

from dataclasses import asdict
from typing import Any

from prefect import flow

from flows.parameters import RecordNumber
from flows.runners import bounded_threads
from tasks.notifications import send_pending_notifications
from tasks.registration_upkeep import (
    decide_extension,
    start_review_runs,
    sweep_registration_expiry,
    sweep_review_sla,
)
from tasks.runs import wake_suspended_runs


@flow(name="review-sla", flow_run_name="review-sla", task_runner=bounded_threads())
def review_sla() -> dict[str, Any]:
    """Remind reviewers, escalate overdue reviews, apply final outcomes; wake or start review runs."""
    report = sweep_review_sla()
    woken = wake_suspended_runs(report.runs_to_wake)
    started = start_review_runs(report.without_run)
    send_pending_notifications()
    return {**asdict(report), "woken": woken, "started": started}


@flow(name="registration-expiry", flow_run_name="registration-expiry", task_runner=bounded_threads())
def registration_expiry() -> dict[str, list[int]]:
    """Daily: remind partners before their protection ends and expire what has ended."""
    report = sweep_registration_expiry()
    send_pending_notifications()
    return asdict(report)


@flow(
    name="request-extension",
    flow_run_name="request-extension-{registration_id}",
    task_runner=bounded_threads(),
)
def request_extension(registration_id: RecordNumber) -> dict[str, Any]:
    """Ask for more protection time; the policy grants it or says why not.

    Args:
        registration_id: the approved registration to extend.
    """
    decision = decide_extension(registration_id)
    send_pending_notifications()
    return {
        "granted": decision.granted,
        "protection_ends_on": str(decision.protection_ends_on),
        "reason": decision.reason,
    }
