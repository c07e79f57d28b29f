"""Which years a rebalancing may judge: one whose leads exist, and that is over unless asked.

Measured before (#27): ``reseller-rebalancing`` for 2099 judged a year without a single lead,
proposed pausing all 45 resellers for "too few leads" and mailed the managers to approve it.
A year not over yet is judged only on explicit request (``partial_year``): its resellers still
have months to open and work what they received, so its rates are not the year's.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from partnerflow.leads.kpis import midnight
from partnerflow.models import LeadTurn


def year_refusal(session: Session, year: int, *, today: date, partial_year: bool = False) -> str | None:
    """Why ``year`` cannot be judged on ``today`` (one line for the person who asked), or None."""
    if year > today.year:
        return f"year {year} has not begun: a rebalancing judges a year whose leads were received"
    if year == today.year and not partial_year:
        return (
            f"year {year} is not over: its resellers are still working their leads; "
            "judge it so far only on purpose (--partial-year, or the run's partial_year parameter)"
        )
    received = session.exec(
        select(func.count())
        .select_from(LeadTurn)
        .where(col(LeadTurn.received_at) >= midnight(date(year, 1, 1)))
        .where(col(LeadTurn.received_at) < midnight(date(year + 1, 1, 1)))
    ).one()
    if not received:
        return f"no reseller received a lead in {year}: nothing to judge (import that year's leads first)"
    return None
