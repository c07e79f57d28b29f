"""Referrals qualify on the referred company's first won deal (see
partnerflow.referrals.qualification)."""

from dataclasses import asdict
from typing import Annotated, Any

from prefect import flow

from flows.parameters import LeftEmpty, RecordNumber
from flows.runners import bounded_threads
from tasks.referrals import qualify_pending, start_referral_reviews


@flow(name="qualify-referrals", flow_run_name="qualify-referrals", task_runner=bounded_threads())
def qualify_referrals(registration_id: Annotated[RecordNumber | None, LeftEmpty] = None) -> dict[str, Any]:
    """On each deal.closed event (that company's referrals) and daily (every pending referral):
    a referral whose referred company won its first qualifying deal qualifies; both rewards are
    created, held; fraud flags hold them for a channel manager (a review-referral run each).

    Args:
        registration_id: the deal that closed (set by the event); empty: every pending referral.
    """
    report = qualify_pending(registration_id)
    return {**asdict(report), "reviews_started": start_referral_reviews()}
