"""Removing a partner: a channel manager confirms with their link or code (see
partnerflow.lifecycle.removal)."""

from prefect import flow

from flows.parameters import RecordNumber
from flows.results import Decided, Mail
from flows.runners import DecisionRounds, bounded_threads, current_run_id, decision_form, wait_for_decision
from partnerflow.lifecycle.decisions import REMOVAL
from tasks.lifecycle import ask_removal_decision
from tasks.notifications import send_pending_notifications

RemovalAnswer = decision_form(
    REMOVAL, "RemovalAnswer", "A channel manager's answer to a removal request, with their code."
)


@flow(
    name="remove-partner",
    flow_run_name="remove-partner-{removal_id}",
    persist_result=True,
    task_runner=bounded_threads(),
)
def remove_partner(removal_id: RecordNumber) -> Decided:
    """Started by `partnerflow partners remove`: ask the channel managers, wait (suspended) for
    one to confirm or refuse, then remove the partner and record its exit with the cause.

    Args:
        removal_id: the removal request the command recorded.
    """
    run_id = current_run_id()
    ask_removal_decision(removal_id, run_id)
    send_pending_notifications()
    status = wait_for_decision(REMOVAL, removal_id, DecisionRounds(RemovalAnswer, "removal")).status
    return Decided(subject=removal_id, status=status, mail=Mail.of(send_pending_notifications()))
