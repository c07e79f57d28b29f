"""A flagged referral waits for a channel manager (see partnerflow.referrals.review)."""

from prefect import flow

from flows.parameters import RecordNumber
from flows.results import Decided
from flows.runners import DecisionRounds, bounded_threads, current_run_id, decision_form, wait_for_decision
from partnerflow.referrals.decisions import FLAGGED_REFERRAL
from tasks.notifications import send_pending_notifications
from tasks.referrals import ask_referral_review

ReferralAnswer = decision_form(
    FLAGGED_REFERRAL, "ReferralAnswer", "A channel manager's answer on a flagged referral, with their code."
)


@flow(
    name="review-referral",
    flow_run_name="review-referral-{referral_id}",
    persist_result=True,
    task_runner=bounded_threads(),
)
def review_referral(referral_id: RecordNumber) -> Decided:
    """Ask the channel managers about a flagged referral, wait (suspended) for one to clear or
    reject it, then hold or cancel its rewards.

    Args:
        referral_id: the flagged referral.
    """
    run_id = current_run_id()
    if not ask_referral_review(referral_id, run_id):
        return Decided(subject=referral_id, status="reviewed by another run")
    send_pending_notifications()
    status = wait_for_decision(FLAGGED_REFERRAL, referral_id, DecisionRounds(ReferralAnswer, "review")).status
    return Decided(subject=referral_id, status=status)
