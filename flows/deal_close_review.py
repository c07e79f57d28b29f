"""Confirming a close far above its registration: a channel director approves it with their link
or code (see partnerflow.registration.close_review)."""

from typing import Any, Literal

from prefect import flow
from prefect.input import RunInput
from pydantic import Field

from flows.parameters import RecordNumber
from flows.runners import DecisionRounds, bounded_threads, current_run_id
from partnerflow.approvals import AnswerFields
from tasks.deal_closes import announce_confirmed_close, ask_close_decision, record_close_answer
from tasks.notifications import send_pending_notifications


class CloseAnswer(RunInput, AnswerFields):
    """A channel director's answer about a close far above its registration, with their code."""

    decision: Literal["approve", "reject"] = Field(
        description="book the deal as won at this amount, or undo the close"
    )


@flow(
    name="review-deal-close",
    flow_run_name="review-deal-close-{registration_id}",
    persist_result=True,
    task_runner=bounded_threads(),
)
def review_deal_close(registration_id: RecordNumber) -> dict[str, Any]:
    """Started by `partnerflow deals close` when the won amount is far above the registered one
    (the deal_registration policy's close_review): ask the channel directors, wait (suspended)
    for one to confirm or refuse, then announce the confirmed deal to commissions.

    Args:
        registration_id: the registration whose close waits for confirmation.
    """
    run_id = current_run_id()
    ask_close_decision(registration_id, run_id)
    send_pending_notifications()
    status = "awaiting"
    rounds = DecisionRounds(CloseAnswer, "close")
    for round_number, values in rounds:
        outcome = record_close_answer(registration_id, run_id, round_number, values)
        status = outcome.status
        if outcome.done:
            break
        rounds.answered(outcome.message)
    announced = announce_confirmed_close(registration_id) if status == "won" else False
    sent = send_pending_notifications()
    return {"registration": registration_id, "status": status, "announced": announced, **sent.counts()}
