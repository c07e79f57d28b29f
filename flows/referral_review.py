"""A flagged referral waits for a channel manager (see partnerflow.referrals.review)."""

from typing import Any, Literal

from prefect import flow
from prefect.input import RunInput
from pydantic import Field

from flows.parameters import RecordNumber
from flows.runners import DecisionRounds, bounded_threads, current_run_id
from partnerflow.approvals import AnswerFields
from tasks.notifications import send_pending_notifications
from tasks.referrals import ask_referral_review, record_referral_answer


class ReferralAnswer(RunInput, AnswerFields):
    """A channel manager's answer on a flagged referral, with their code."""

    decision: Literal["approve", "reject"] = Field(description="clear the flags, or reject the referral")


@flow(
    name="review-referral",
    flow_run_name="review-referral-{referral_id}",
    persist_result=True,
    task_runner=bounded_threads(),
)
def review_referral(referral_id: RecordNumber) -> dict[str, Any]:
    """Ask the channel managers about a flagged referral, wait (suspended) for one to clear or
    reject it, then hold or cancel its rewards.

    Args:
        referral_id: the flagged referral.
    """
    run_id = current_run_id()
    if not ask_referral_review(referral_id, run_id):
        return {"referral": referral_id, "status": "reviewed by another run"}
    send_pending_notifications()
    status = "flagged"
    rounds = DecisionRounds(ReferralAnswer, "review")
    for round_number, values in rounds:
        outcome = record_referral_answer(referral_id, run_id, round_number, values)
        status = outcome.status
        if outcome.done:
            break
        rounds.answered(outcome.message)
    return {"referral": referral_id, "status": status}
