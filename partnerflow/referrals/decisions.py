"""The referral programme's decisions: a flagged referral, and the pilot at its end."""

from __future__ import annotations

from datetime import timedelta

from partnerflow.approvals import DecisionClock, DecisionKind, declare
from partnerflow.approvals.declarations import CHANNEL_PACE
from partnerflow.referrals import pilot, review

FLAGGED_REFERRAL = declare(
    DecisionKind(
        name=review.SUBJECT_KIND,
        answers=("approve", "reject"),
        names={"en": "Flagged referral", "fr": "Parrainage signalé"},
        apply=review.apply_review,
        template="referral_flagged",
        clock=CHANNEL_PACE,
        help="clear the flags, or reject the referral",
    )
)
PILOT_END = declare(
    DecisionKind(
        name=pilot.SUBJECT_KIND,
        answers=("rollout", "extend", "stop"),
        names={"en": "Referral pilot", "fr": "Pilote de parrainage"},
        apply=pilot.apply_owner_answer,
        template="referral_pilot_review",
        # the programme owner decides: nobody above to tell
        clock=DecisionClock(timedelta(days=7), timedelta(days=28), None),
        help="roll out to every eligible sponsor, extend the pilot, or stop inviting",
        words={
            "en": {
                "rollout": "Roll out to every eligible sponsor",
                "extend": "Extend the pilot",
                "stop": "Stop inviting",
            },
            "fr": {
                "rollout": "Généraliser à tous les parrains éligibles",
                "extend": "Prolonger le pilote",
                "stop": "Arrêter les invitations",
            },
        },
    )
)
