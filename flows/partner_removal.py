"""Removing a partner: a channel manager confirms with their link or code (see
partnerflow.health.removal)."""

from typing import Any, Literal

from prefect import flow
from prefect.input import RunInput
from pydantic import Field

from flows.parameters import RecordNumber
from flows.runners import DecisionRounds, bounded_threads, current_run_id
from partnerflow.approvals import AnswerFields
from tasks.health import ask_removal_decision, record_removal_answer
from tasks.notifications import send_pending_notifications


class RemovalAnswer(RunInput, AnswerFields):
    """A channel manager's answer to a removal request, with their code."""

    decision: Literal["approve", "reject"] = Field(description="remove the partner, or keep it")


@flow(
    name="remove-partner",
    flow_run_name="remove-partner-{removal_id}",
    persist_result=True,
    task_runner=bounded_threads(),
)
def remove_partner(removal_id: RecordNumber) -> dict[str, Any]:
    """Started by `partnerflow partners remove`: ask the channel managers, wait (suspended) for
    one to confirm or refuse, then remove the partner and record its exit with the cause.

    Args:
        removal_id: the removal request the command recorded.
    """
    run_id = current_run_id()
    ask_removal_decision(removal_id, run_id)
    send_pending_notifications()
    status = "awaiting"
    rounds = DecisionRounds(RemovalAnswer, "removal")
    for round_number, values in rounds:
        outcome = record_removal_answer(removal_id, run_id, round_number, values)
        status = outcome.status
        if outcome.done:
            break
        rounds.answered(outcome.message)
    sent = send_pending_notifications()
    return {"removal": removal_id, "status": status, **sent.counts()}
