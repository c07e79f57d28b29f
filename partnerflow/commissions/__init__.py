"""Commission maths: exact (Decimal), explainable, per the commission plan in force at close."""

from partnerflow.commissions.calculation import (
    BracketPart,
    CommissionCalculation,
    base_rate,
    calculate_commission,
    round_to_cent,
)

__all__ = ["BracketPart", "CommissionCalculation", "base_rate", "calculate_commission", "round_to_cent"]
