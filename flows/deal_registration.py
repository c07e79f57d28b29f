"""Deal registration: a partner's submission is decided by policy, or reviewed by people.

Reviews suspend the flow run (no compute while it waits). Reviewers answer on their personal
approval page, which records the answer and wakes the run; operators answer on the Prefect UI's
Resume form with the code from the reviewer's e-mail. On each wake the run applies every answer
recorded so far, each once, and waits again until the registration is decided.
"""

from typing import Any

from prefect import flow
from prefect.runtime import flow_run

from flows.parameters import RecordNumber
from flows.results import Decided, FlowResult
from flows.runners import DecisionRounds, bounded_threads, current_run_id, decision_form, wait_for_decision
from partnerflow.registration.decisions import REVIEW
from partnerflow.registration.intake import IntakeResult
from partnerflow.registration.submission import DealSubmission
from tasks.notifications import send_pending_notifications
from tasks.registrations import open_review, take_in_submission
from tasks.runs import name_run

ReviewDecision = decision_form(
    REVIEW,
    "ReviewDecision",
    "The operators' form in the Prefect UI (\"Resume\"): the decision and the reviewer's code.",
)


def _run_name() -> str:
    submission: Any = flow_run.parameters.get("submission", {})
    values = submission if isinstance(submission, dict) else submission.model_dump()
    return f"registration-new-{str(values.get('customer_name', ''))[:40]}"  # the number once taken in


class Registered(FlowResult):
    """A submission taken in (refused, or decided by policy), and its review when escalated."""

    intake: IntakeResult
    review: Decided | None = None


def wait_for_review(registration_id: RecordNumber) -> Decided:
    """Suspend for one answer per round until the registration is decided."""
    run_id = current_run_id()
    summary = open_review(registration_id, run_id)
    send_pending_notifications()
    rounds = DecisionRounds(ReviewDecision, "review", summary)
    decided = wait_for_decision(REVIEW, registration_id, rounds, lambda _: send_pending_notifications())
    return Decided(subject=registration_id, status=decided.status)


@flow(name="register-deal", flow_run_name=_run_name, persist_result=True, task_runner=bounded_threads())
def register_deal(submission: DealSubmission) -> Registered:
    """Register a deal: checked, decided by the deal-registration policy, reviewed if escalated.

    Args:
        submission: the opportunity as the partner registers it.
    """
    run_id = current_run_id()
    result = take_in_submission(submission, run_id)
    name_run(run_id, f"registration-{result.registration_id}-{submission.customer_name[:40]}")
    send_pending_notifications()
    review = wait_for_review(result.registration_id) if result.outcome == "review" else None
    return Registered(intake=result, review=review)


@flow(
    name="review-registration",
    flow_run_name="review-registration-{registration_id}",
    persist_result=True,
    task_runner=bounded_threads(),
)
def review_registration(registration_id: RecordNumber) -> Decided:
    """Review an escalated registration (started by the batch intake and ``deals submit``).

    Args:
        registration_id: the registration waiting for review.
    """
    return wait_for_review(registration_id)
