"""Admitting replacement resellers: the candidates the partner_admission policy proposed, put to a
channel manager, admitted or not (see partnerflow.lifecycle.admission)."""

from prefect import flow

from flows.results import Decided, Mail
from flows.runners import DecisionRounds, bounded_threads, current_run_id, decision_form, wait_for_decision
from partnerflow.approvals.form_items import ItemFields, with_items
from partnerflow.lifecycle.decisions import ADMISSION
from tasks.lifecycle import propose_candidates
from tasks.notifications import send_pending_notifications

AdmissionAnswer = decision_form(
    ADMISSION, "AdmissionAnswer", "A channel manager's answer on the proposed candidates, with their code."
)


LEAVE_OUT = ItemFields("leave_out", bool, False, "Tick to leave this candidate out of the admission")


@flow(
    name="partner-admission",
    flow_run_name="partner-admission",
    persist_result=True,
    task_runner=bounded_threads(),
)
def partner_admission() -> Decided:
    """Weekly (or by hand after `partnerflow candidates import`): put the proposed candidates to
    the channel managers, wait (suspended) for an answer, admit the approved ones as partners."""
    run_id = current_run_id()
    batch = propose_candidates(run_id)
    status = "nothing to propose"
    if batch.batch_id is not None:
        send_pending_notifications()
        rounds = DecisionRounds(
            with_items(AdmissionAnswer, LEAVE_OUT, batch.items), "admission", batch.summary
        )
        status = wait_for_decision(ADMISSION, batch.batch_id, rounds).status
    return Decided(subject=batch.batch_id, status=status, mail=Mail.of(send_pending_notifications()))
