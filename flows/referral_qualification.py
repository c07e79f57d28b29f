"""Referrals qualify on the referred company's first won deal (see
partnerflow.referrals.qualification)."""

from typing import Annotated

from prefect import flow

from flows.parameters import LeftEmpty, RecordNumber
from flows.results import FlowResult
from flows.runners import bounded_threads
from partnerflow.referrals.qualification import QualificationReport
from tasks.referrals import qualify_pending, start_referral_reviews


class Qualification(FlowResult):
    """The referrals qualified (or flagged, or not yet), and the review runs started for the
    flagged ones."""

    report: QualificationReport
    reviews_started: int


@flow(name="qualify-referrals", flow_run_name="qualify-referrals", task_runner=bounded_threads())
def qualify_referrals(registration_id: Annotated[RecordNumber | None, LeftEmpty] = None) -> Qualification:
    """On each deal.closed event (that company's referrals) and daily (every pending referral):
    a referral whose referred company won its first qualifying deal qualifies; both rewards are
    created, held; fraud flags hold them for a channel manager (a review-referral run each).

    Args:
        registration_id: the deal that closed (set by the event); empty: every pending referral.
    """
    report = qualify_pending(registration_id)
    return Qualification(report=report, reviews_started=start_referral_reviews())
