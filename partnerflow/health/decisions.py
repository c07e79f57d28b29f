"""Partner health's decision: the month's actions for the partners at risk."""

from __future__ import annotations

from partnerflow.approvals import DecisionKind, declare
from partnerflow.approvals.declarations import CHANNEL_PACE
from partnerflow.health import review

HEALTH_ACTIONS = declare(
    DecisionKind(
        name=review.SUBJECT_KIND,
        answers=("approve",),
        names={"en": "Partner health actions", "fr": "Actions santé partenaires"},
        apply=review.apply_actions,
        template="health_actions_requested",
        clock=CHANNEL_PACE,
        help="record the actions below",
        fields={"channel-manager": ("actions",)},
        read_details=review.actions_reader,
        words={
            "en": {
                "actions": "Actions, one per at-risk partner: ID=action, comma-separated (coaching-call, "
                "training-invitation, programme-exception, no-action)"
            },
            "fr": {
                "actions": "Actions, une par partenaire à risque : ID=action, séparées par des virgules "
                "(coaching-call, training-invitation, programme-exception, no-action)"
            },
        },
    )
)
