"""Lead distribution's decision: a lead no reseller may take, put to its channel manager."""

from __future__ import annotations

from partnerflow.approvals import DecisionKind, declare
from partnerflow.approvals.declarations import CHANNEL_PACE
from partnerflow.leads import handover

LEAD_HANDOVER = declare(
    DecisionKind(
        name=handover.SUBJECT_KIND,
        answers=("offer", "close"),
        names={"en": "Lead without a reseller", "fr": "Piste sans revendeur"},
        apply=handover.apply_handover,
        clock=CHANNEL_PACE,
        help="offer the lead to the reseller you name, or close it with the reason",
        fields={"channel-manager": ("reseller", "reason")},
        read_details=handover.handover_reader,
        answer_fields={"offer": ("reseller",), "close": ("reason",)},
        words={
            "en": {
                "offer": "Offer it to this reseller",
                "close": "Close the lead",
                "reseller": "Reseller (id) to offer it to",
                "reason": "Why it is closed",
            },
            "fr": {
                "offer": "La proposer à ce revendeur",
                "close": "Clore la piste",
                "reseller": "Revendeur (identifiant) à qui la proposer",
                "reason": "Pourquoi elle est close",
            },
        },
    )
)
