"""The morning list of open decisions, per person (see partnerflow.approvals.inbox)."""

from typing import Any

from prefect import flow

from flows.runners import bounded_threads
from tasks.decisions import queue_decision_digests
from tasks.notifications import send_pending_notifications


@flow(name="decisions-digest", flow_run_name="decisions-digest", task_runner=bounded_threads())
def decisions_digest() -> dict[str, Any]:
    """Weekdays: e-mail everyone with decisions waiting the list of them, each with its link,
    and the link to their inbox."""
    mailed = queue_decision_digests()
    return {"people": mailed, **send_pending_notifications().counts()}
