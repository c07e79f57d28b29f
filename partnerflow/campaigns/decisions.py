"""Discount campaigns' decision: each required role signs off before partners hear of it."""

from __future__ import annotations

from partnerflow.approvals import DecisionKind, declare
from partnerflow.campaigns import signoffs

SIGNOFF = declare(
    DecisionKind(
        name=signoffs.SUBJECT_KIND,
        answers=("approve", "reject"),
        names={"en": "Discount campaign", "fr": "Campagne de remise"},
        apply=signoffs.apply_signoffs,
        template="campaign_signoff_requested",
        clock=None,  # the sign-off SLA of the discount_campaign policy (campaigns/sla.py)
        help="approve, or reject (it ends the campaign)",
        # supply chain's allocation per département stays on the operators' Prefect form
        fields={"channel-ops": ("programme_reference",), "supply-chain": ("confirmed_quantity",)},
        read_details=signoffs.signoff_details_reader,
        words={
            "en": {
                "programme_reference": "Programme or price-list reference",
                "confirmed_quantity": "Quantity confirmed available",
            },
            "fr": {
                "programme_reference": "Référence du programme ou de la liste de prix",
                "confirmed_quantity": "Quantité confirmée disponible",
            },
        },
    )
)
