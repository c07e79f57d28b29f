"""A lead no reseller may take waits for its channel manager (see partnerflow.leads.handover)."""

from prefect import flow
from pydantic import Field

from flows.parameters import RecordNumber
from flows.results import Decided, Mail
from flows.runners import DecisionRounds, bounded_threads, current_run_id, decision_form, wait_for_decision
from partnerflow.leads.decisions import LEAD_HANDOVER
from tasks.leads import ask_lead_handover
from tasks.notifications import send_pending_notifications

HandoverAnswer = decision_form(
    LEAD_HANDOVER,
    "HandoverAnswer",
    "A channel manager's answer on a lead no reseller may take, with their code.",
    reseller=(int | None, Field(default=None, description="Offer: the id of the reseller to offer it to")),
    reason=(str, Field(default="", max_length=500, description="Close: why the lead is closed")),
)


@flow(
    name="hand-over-lead",
    flow_run_name="hand-over-lead-{handover_id}",
    persist_result=True,
    task_runner=bounded_threads(),
)
def hand_over_lead(handover_id: RecordNumber) -> Decided:
    """Started by the distribution sweep for a lead left to its channel manager: ask them, wait
    (suspended) for them to offer it to a reseller or close it, then do it.

    Args:
        handover_id: the lead's handover, opened by routing.
    """
    run_id = current_run_id()
    if not ask_lead_handover(handover_id, run_id):
        return Decided(subject=handover_id, status="asked by another run")
    send_pending_notifications()
    status = wait_for_decision(LEAD_HANDOVER, handover_id, DecisionRounds(HandoverAnswer, "handover")).status
    return Decided(subject=handover_id, status=status, mail=Mail.of(send_pending_notifications()))
