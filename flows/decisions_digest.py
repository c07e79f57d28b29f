"""The morning list of open decisions, per person (see partnerflow.approvals.inbox)."""

from prefect import flow

from flows.results import FlowResult, Mail
from flows.runners import bounded_threads
from tasks.decisions import queue_decision_digests
from tasks.notifications import send_pending_notifications


class Digests(FlowResult):
    """How many people got today's list of their open decisions, and the mail that sent."""

    people: int
    mail: Mail


@flow(name="decisions-digest", flow_run_name="decisions-digest", task_runner=bounded_threads())
def decisions_digest() -> Digests:
    """Weekdays: e-mail everyone with decisions waiting the list of them, each with its link,
    and the link to their inbox."""
    mailed = queue_decision_digests()
    return Digests(people=mailed, mail=Mail.of(send_pending_notifications()))
