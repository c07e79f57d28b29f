"""A reseller's scorecard for the year so far, as its portal shows it: the leads it received
since 1 January, what it did with them, and the programme's objectives beside them (the same
figures as the quarterly scorecard e-mail)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from partnerflow.leads.kpis import ResellerKpis, reseller_kpis
from partnerflow.policy import RebalancingPolicy
from partnerflow.rebalancing.notices import targets


@dataclass(frozen=True)
class PartnerScorecard:
    year: int
    kpis: ResellerKpis | None  # None: not a reseller the rebalancing judges (removed)
    targets: dict[str, Any]


def partner_scorecard(
    session: Session, partner_id: int, *, today: date, document: RebalancingPolicy
) -> PartnerScorecard:
    """``partner_id``'s KPIs on the leads received from 1 January to ``today`` included."""
    found = reseller_kpis(session, date(today.year, 1, 1), today + timedelta(days=1), partner_id=partner_id)
    return PartnerScorecard(today.year, found[0] if found else None, targets(document))
