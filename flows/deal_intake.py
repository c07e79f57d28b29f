"""Batch intake: decide every queued submission in chunks; start a review run per escalation."""

from prefect import flow

from flows.parameters import ChunkSize
from flows.results import FlowResult, Mail
from flows.runners import bounded_threads
from tasks.notifications import send_pending_notifications
from tasks.registration_upkeep import start_review_runs
from tasks.registrations import take_in_queued_chunk


class Intake(FlowResult):
    """What one intake run decided: submissions by outcome, the escalated ones and their review
    runs started, the mail sent."""

    outcomes: dict[str, int]
    escalated: int
    review_runs_started: int
    mail: Mail


@flow(name="deal-intake", flow_run_name="deal-intake", task_runner=bounded_threads())
def deal_intake(chunk_size: ChunkSize = 1000, start_reviews: bool = True) -> Intake:
    """Decide the queued submissions (`partnerflow deals submit FILE --queue`).

    Args:
        chunk_size: submissions decided per task (one transaction each).
        start_reviews: start a review-registration run for each escalated submission.
    """
    outcomes: dict[str, int] = {}
    escalated: list[int] = []
    while True:
        chunk = take_in_queued_chunk(chunk_size)
        for outcome, count in chunk.outcomes.items():
            outcomes[outcome] = outcomes.get(outcome, 0) + count
        escalated += chunk.escalated
        if chunk.taken < chunk_size:
            break
    started = start_review_runs(escalated) if start_reviews and escalated else 0
    delivery = send_pending_notifications(limit=None)
    return Intake(
        outcomes=outcomes, escalated=len(escalated), review_runs_started=started, mail=Mail.of(delivery)
    )
