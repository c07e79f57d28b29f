"""Confirming a close far above its registration: a channel director approves it with their link
or code (see partnerflow.registration.close_review)."""

from prefect import flow

from flows.parameters import RecordNumber
from flows.results import Decided, Mail
from flows.runners import DecisionRounds, bounded_threads, current_run_id, decision_form, wait_for_decision
from partnerflow.registration.decisions import CLOSE
from tasks.deal_closes import announce_confirmed_close, ask_close_decision
from tasks.notifications import send_pending_notifications

CloseAnswer = decision_form(
    CLOSE,
    "CloseAnswer",
    "A channel director's answer about a close far above its registration, with their code.",
)


@flow(
    name="review-deal-close",
    flow_run_name="review-deal-close-{registration_id}",
    persist_result=True,
    task_runner=bounded_threads(),
)
def review_deal_close(registration_id: RecordNumber) -> Decided:
    """Started by `partnerflow deals close` when the won amount is far above the registered one
    (the deal_registration policy's close_review): ask the channel directors, wait (suspended)
    for one to confirm or refuse, then announce the confirmed deal to commissions.

    Args:
        registration_id: the registration whose close waits for confirmation.
    """
    run_id = current_run_id()
    ask_close_decision(registration_id, run_id)
    send_pending_notifications()
    status = wait_for_decision(CLOSE, registration_id, DecisionRounds(CloseAnswer, "close")).status
    if status == "won":
        announce_confirmed_close(registration_id)
    return Decided(subject=registration_id, status=status, mail=Mail.of(send_pending_notifications()))
