"""Commission I/O steps: accrue one closed deal, or catch up on every missed one."""

from datetime import UTC, date, datetime
from typing import Any

from prefect import task

from partnerflow.commissions.accrual import accrue_deal, accrue_missing
from partnerflow.db import session_scope
from partnerflow.policy import CommissionPlanPolicy, Policy, load_policy
from partnerflow.settings import get_settings


def _plan_for(day: date) -> Policy[CommissionPlanPolicy]:
    return load_policy("commission_plan", day, get_settings().policies_dir)


@task(name="accrue-deal", retries=3, retry_delay_seconds=[2, 10, 30], persist_result=True)
def accrue_closed_deal(registration_id: int) -> dict[str, Any]:
    """Accrue one won deal (idempotent: the database holds one line per deal)."""
    with session_scope() as session:
        result = accrue_deal(session, registration_id, plan_for=_plan_for, now=datetime.now(UTC))
    return {**result.__dict__, "amount": str(result.amount) if result.amount is not None else None}


@task(name="accrue-missed-deals", retries=3, retry_delay_seconds=[2, 10, 30], persist_result=True)
def accrue_missed_deals() -> dict[str, int]:
    """Catch-up: accrue won deals that have no commission line yet; counts by outcome."""
    with session_scope() as session:
        results = accrue_missing(session, plan_for=_plan_for, now=datetime.now(UTC))
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return counts
