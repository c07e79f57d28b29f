"""The monthly e-mail to each reseller: what it did with its leads last month and this year so
far, against the programme's objectives and against the median reseller of its département.

The guidance: tell resellers their results regularly, it motivates; a reseller that never hears
back stops declaring statuses. The objectives are the rebalancing policy's, handed in by the
caller (this process does not judge). One message per contact and month: a rerun sends nothing
twice. A reseller that received no lead this year gets none (nothing to say; the rebalancing's
route-more says the rest).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from partnerflow.leads.kpis import ResellerKpis, reseller_kpis
from partnerflow.models import Partner, PartnerStatus
from partnerflow.notify.outbox import message_row, store_messages
from partnerflow.notify.rendering import TemplateRenderer

TEMPLATE = "lead_feedback"


@dataclass(frozen=True)
class Objectives:
    """What the rebalancing judges on, as the reseller reads it."""

    leads_per_year: int
    open_rate: float
    processing_rate: float
    closing_rate: float  # the minimum to reach; closing more is no shortcoming


def queue_monthly_feedback(
    session: Session,
    renderer: TemplateRenderer,
    month: date,
    *,
    objectives: Objectives,
    portal_url: str,
) -> int:
    """Queue the feedback of ``month`` (its first day) for every active reseller that received a
    lead this year; how many messages were new."""
    month_end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    of_month = {k.partner_id: k for k in reseller_kpis(session, month, month_end)}
    of_year = {k.partner_id: k for k in reseller_kpis(session, date(month.year, 1, 1), month_end)}
    medians = _medians(list(of_year.values()))
    partners = session.exec(
        select(Partner).where(col(Partner.status) == PartnerStatus.ACTIVE).order_by(col(Partner.id))
    ).all()
    rows: list[dict[str, Any]] = []
    for partner in partners:
        year = of_year.get(partner.id or 0)
        if year is None or not year.leads:
            continue
        context = {
            "partner_name": partner.name,
            "month": month,
            "departement": partner.territory_code,
            "portal_url": portal_url,
            "month_figures": _figures(of_month[partner.id or 0]),
            "year_figures": _figures(year),
            "median": medians[partner.territory_code],
            "objectives": vars(objectives),
            "due_by_now": round(objectives.leads_per_year * month.month / 12),  # the floor, pro rata
        }
        for contact in partner.contacts:
            if contact.active:
                rows.append(
                    message_row(
                        renderer,
                        dedupe_key=f"{TEMPLATE}:{month:%Y-%m}:{partner.id}:{contact.id}",
                        recipient=contact.email,
                        template=TEMPLATE,
                        locale=contact.locale.value,
                        context={**context, "contact_name": contact.name},
                    )
                )
    return store_messages(session, rows)


def _figures(kpis: ResellerKpis) -> dict[str, float]:
    return {
        "leads": kpis.leads,
        "opened": kpis.opened,
        "processed": kpis.processed,
        "closed": kpis.closed,
        "sold": kpis.sold,
        "open_rate": kpis.open_rate,
        "processing_rate": kpis.processing_rate,
        "closing_rate": kpis.closing_rate,
    }


def _medians(year: list[ResellerKpis]) -> dict[str, dict[str, float]]:
    """Per département, the median of its active resellers' year so far (the reseller itself
    included: with one reseller, the median is its own figures)."""
    grouped: dict[str, list[ResellerKpis]] = defaultdict(list)
    for kpis in year:
        if kpis.status == PartnerStatus.ACTIVE.value and kpis.leads:
            grouped[kpis.departement].append(kpis)
    return defaultdict(
        dict,
        {
            code: {
                name: statistics.median(_figures(k)[name] for k in members)
                for name in ("leads", "open_rate", "processing_rate", "closing_rate")
            }
            for code, members in grouped.items()
        },
    )
