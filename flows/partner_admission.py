"""Admitting replacement resellers: the candidates the partner_admission policy proposed, put to a
channel manager, admitted or not (see partnerflow.health.admission)."""

from typing import Any, Literal

from prefect import flow
from prefect.input import RunInput
from pydantic import Field

from flows.runners import DecisionRounds, bounded_threads, current_run_id
from partnerflow.approvals import AnswerFields
from partnerflow.approvals.form_items import ItemFields, with_items
from tasks.health import propose_candidates, record_admission_answer
from tasks.notifications import send_pending_notifications


class AdmissionAnswer(RunInput, AnswerFields):
    """A channel manager's answer on the proposed candidates, with their code."""

    decision: Literal["approve", "reject"] = Field(description="admit them (minus those left out), or none")


LEAVE_OUT = ItemFields("leave_out", bool, False, "Tick to leave this candidate out of the admission")


@flow(
    name="partner-admission",
    flow_run_name="partner-admission",
    persist_result=True,
    task_runner=bounded_threads(),
)
def partner_admission() -> dict[str, Any]:
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
        for round_number, values in rounds:
            outcome = record_admission_answer(batch.batch_id, run_id, round_number, values)
            status = outcome.status
            if outcome.done:
                break
            rounds.answered(outcome.message)
    sent = send_pending_notifications()
    return {"batch": batch.batch_id, "candidates": batch.candidates, "status": status, **sent.counts()}
