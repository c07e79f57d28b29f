"""The commission plan in force on a day, from the configured policies directory."""

from __future__ import annotations

from datetime import date

from partnerflow.policy import CommissionPlanPolicy, Policy, load_policy
from partnerflow.settings import get_settings


def plan_in_force(day: date) -> Policy[CommissionPlanPolicy]:
    """Deals are paid under the plan in force at their close date; settlements at the period's end."""
    return load_policy("commission_plan", day, get_settings().policies_dir)
