"""The referral pilot's end: the figures, then the programme owner's decision (see
partnerflow.referrals.pilot)."""

from prefect import flow

from flows.results import Decided
from flows.runners import DecisionRounds, bounded_threads, current_run_id, decision_form, wait_for_decision
from partnerflow.referrals.decisions import PILOT_END
from tasks.notifications import send_pending_notifications
from tasks.referrals import publish_pilot_decision, publish_pilot_figures

PilotDecision = decision_form(
    PILOT_END, "PilotDecision", "The programme owner's decision on the pilot, with their code."
)


class PilotReview(Decided):
    """The pilot's figures published (``report``), and the programme owner's decision once the
    pilot is over (``subject``: the review; none before)."""

    report: str


@flow(
    name="referral-pilot-review",
    flow_run_name="referral-pilot-review",
    persist_result=True,
    task_runner=bounded_threads(),
)
def referral_pilot_review() -> PilotReview:
    """Daily: publish the referral programme's figures (conversion against the bar, break-even;
    HTML with charts and CSV); the day after the pilot ends, ask the programme owner to roll out,
    extend or stop, and wait (suspended) for their answer."""
    run_id = current_run_id()
    published = publish_pilot_figures(run_id)
    status = published.stage
    if published.review_id is not None:
        send_pending_notifications()
        rounds = DecisionRounds(PilotDecision, "decision", published.summary)
        status = wait_for_decision(PILOT_END, published.review_id, rounds).status
        publish_pilot_decision(published.review_id, published.summary)
    return PilotReview(subject=published.review_id, status=status, report=published.report)
