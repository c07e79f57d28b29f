"""A partner's training path by e-mail (see partnerflow.lifecycle.onboarding)."""

from dataclasses import asdict
from typing import Any

from prefect import flow

from flows.runners import bounded_threads
from tasks.lifecycle import queue_training
from tasks.notifications import send_pending_notifications


@flow(name="partner-onboarding", flow_run_name="partner-onboarding", task_runner=bounded_threads())
def partner_onboarding() -> dict[str, Any]:
    """Daily: new partners' onboarding steps (welcome, training invitation, 90-day check-in) and
    reminders before a certification lapses, at the days the partner_health policy names."""
    queued = queue_training()
    sent = send_pending_notifications()
    return {**asdict(queued), **sent.counts()}
