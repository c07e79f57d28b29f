"""Commissions: exact (Decimal), explainable, per the commission plan in force at close; accrued
once per deal, reversed or clawed back, settled once per month with statements and a SEPA file."""

from partnerflow.commissions import decisions as decisions  # declares the settlement decision to approvals
from partnerflow.commissions.accrual import accrual_exceptions, accrue_deal, accrue_missing
from partnerflow.commissions.calculation import (
    BracketPart,
    CommissionCalculation,
    base_rate,
    calculate_commission,
    round_to_cent,
)
from partnerflow.commissions.payment_file import Payer
from partnerflow.commissions.periods import Period
from partnerflow.commissions.replay import period_bounds, replay_plan
from partnerflow.commissions.reversal import reverse_deal
from partnerflow.commissions.settlement import batch_for, save_payment_files, stored_payment
from partnerflow.commissions.statements import (
    explain_deal,
    partner_statement,
    partner_statements,
    period_report,
    statement_csv,
)

__all__ = [
    "BracketPart",
    "CommissionCalculation",
    "Payer",
    "Period",
    "accrual_exceptions",
    "accrue_deal",
    "accrue_missing",
    "base_rate",
    "batch_for",
    "calculate_commission",
    "explain_deal",
    "partner_statement",
    "partner_statements",
    "period_bounds",
    "period_report",
    "replay_plan",
    "reverse_deal",
    "round_to_cent",
    "save_payment_files",
    "statement_csv",
    "stored_payment",
]
