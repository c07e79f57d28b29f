"""Inviting customers to sponsor (see partnerflow.referrals.invitations)."""

from typing import Any

from prefect import flow, get_run_logger

from flows.runners import bounded_threads
from tasks.notifications import send_pending_notifications
from tasks.referrals import invite_pilot_sponsors


@flow(name="referral-invitations", flow_run_name="referral-invitations", task_runner=bounded_threads())
def referral_invitations() -> dict[str, Any]:
    """Weekly, or by hand: if the launch gate is open (customers happy enough, few gone quiet),
    invite the best eligible sponsors up to the pilot's size; otherwise say why nobody is."""
    invited = invite_pilot_sponsors()
    if not invited.gate.open:
        get_run_logger().warning("referral programme not launched: %s", "; ".join(invited.gate.reasons))
    sent = send_pending_notifications()
    return {
        "gate_open": invited.gate.open,
        "gate_reasons": invited.gate.reasons,
        "invited": invited.invited,
        "cohort": invited.cohort,
        **sent.counts(),
    }
