"""Deal registration's decisions: an escalated registration, and a won close far above it."""

from __future__ import annotations

from partnerflow.approvals import DecisionKind, declare
from partnerflow.approvals.declarations import MONEY_PACE
from partnerflow.registration import close_review, review

REVIEW = declare(
    DecisionKind(
        name=review.SUBJECT_KIND,
        answers=("approve", "reject", "request-info"),
        names={"en": "Deal registration", "fr": "Enregistrement d'affaire"},
        apply=review.apply_answers,
        template="review_requested",
        clock=None,  # the review SLA of the deal_registration policy (registration/sla.py)
        help="approve, reject, or request-info to send your comment to the partner as a question",
        words={
            "en": {"request-info": "Ask the partner for information"},
            "fr": {"request-info": "Demander des informations au partenaire"},
        },
    )
)
CLOSE = declare(
    DecisionKind(
        name=close_review.SUBJECT_KIND,
        answers=("approve", "reject"),
        names={"en": "Deal close to confirm", "fr": "Clôture d'affaire à confirmer"},
        apply=close_review.apply_close_answer,
        template="close_review_requested",
        clock=MONEY_PACE,
        help="book the deal as won at this amount, or undo the close",
    )
)
