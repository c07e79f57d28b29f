"""Commissions' decision: finance approves a month's settlement before anything is paid."""

from __future__ import annotations

from partnerflow.approvals import DecisionKind, declare
from partnerflow.approvals.declarations import MONEY_PACE
from partnerflow.commissions import settlement

SETTLEMENT = declare(
    DecisionKind(
        name=settlement.SUBJECT_KIND,
        answers=("approve", "reject"),
        names={"en": "Commission settlement", "fr": "Paiement des commissions"},
        apply=settlement.apply_finance_answers,
        template="settlement_approval_requested",
        clock=MONEY_PACE,
        help="approve, or reject (nothing is paid)",
    )
)
