"""Lead KPIs per reseller and per département, computed by the database.

The unit is a reseller's turn with a lead: a lead passed on after its deadline counts for the
reseller that let it go (received, not opened, not processed) and for the next one. One
aggregation per turn (did its reseller open it, declare a status, a final status, a sale?)
feeds one aggregation per reseller; only the per-reseller rows come back to Python. Both statements are
plain SQL expressions that SQLite and PostgreSQL evaluate identically (integer counts; the rates
are divided in Python from those counts, so no dialect rounds differently).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Integer, case, func, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from partnerflow.models import Lead, LeadEvent, LeadEventKind, LeadStatus, LeadTurn, Partner


@dataclass(frozen=True)
class ResellerKpis:
    """What one reseller did with the leads it received in the window."""

    partner_id: int
    name: str
    departement: str
    tier: str
    status: str
    joined_on: date | None
    leads: int
    opened: int
    processed: int
    closed: int
    sold: int

    @property
    def open_rate(self) -> float:
        return self.opened / self.leads if self.leads else 0.0

    @property
    def processing_rate(self) -> float:
        return self.processed / self.leads if self.leads else 0.0

    @property
    def closing_rate(self) -> float:
        return self.closed / self.leads if self.leads else 0.0

    @property
    def conversion(self) -> float:
        return self.sold / self.leads if self.leads else 0.0


def reseller_kpis(
    session: Session, start: date, end: date, *, partner_id: int | None = None
) -> list[ResellerKpis]:
    """Every reseller (active or paused), or only ``partner_id``, with its lead counts for leads
    it received in [start, end)."""
    per_turn = (
        sa_select(
            col(LeadEvent.lead_id).label("lead_id"),
            col(LeadEvent.reseller_id).label("reseller_id"),
            func.max(_flag(col(LeadEvent.kind) == LeadEventKind.OPENED)).label("opened"),
            func.max(_flag(col(LeadEvent.kind) == LeadEventKind.STATUS)).label("processed"),
            func.max(_flag(col(LeadEvent.status).in_([LeadStatus.SOLD, LeadStatus.LOST]))).label("closed"),
            func.max(_flag(col(LeadEvent.status) == LeadStatus.SOLD)).label("sold"),
        )
        .where(col(LeadEvent.reseller_id) == partner_id if partner_id is not None else true())
        .group_by(col(LeadEvent.lead_id), col(LeadEvent.reseller_id))
        .subquery()
    )
    window = (
        sa_select(
            col(LeadTurn.reseller_id).label("reseller_id"),
            func.count().label("leads"),
            func.coalesce(func.sum(per_turn.c.opened), 0).label("opened"),
            func.coalesce(func.sum(per_turn.c.processed), 0).label("processed"),
            func.coalesce(func.sum(per_turn.c.closed), 0).label("closed"),
            func.coalesce(func.sum(per_turn.c.sold), 0).label("sold"),
        )
        .outerjoin(
            per_turn,
            (per_turn.c.lead_id == col(LeadTurn.lead_id))
            & (per_turn.c.reseller_id == col(LeadTurn.reseller_id)),
        )
        .where(col(LeadTurn.received_at) >= midnight(start))
        .where(col(LeadTurn.received_at) < midnight(end))
        .where(col(LeadTurn.reseller_id) == partner_id if partner_id is not None else true())
        .group_by(col(LeadTurn.reseller_id))
        .subquery()
    )
    rows = (
        session.connection()
        .execute(
            sa_select(
                col(Partner.id),
                col(Partner.name),
                col(Partner.territory_code),
                col(Partner.tier),
                col(Partner.status),
                col(Partner.joined_on),
                func.coalesce(window.c.leads, 0),
                func.coalesce(window.c.opened, 0),
                func.coalesce(window.c.processed, 0),
                func.coalesce(window.c.closed, 0),
                func.coalesce(window.c.sold, 0),
            )
            .outerjoin(window, window.c.reseller_id == col(Partner.id))
            .where(col(Partner.status) != "removed")
            .where(col(Partner.id) == partner_id if partner_id is not None else true())
            .order_by(col(Partner.territory_code), col(Partner.id))
        )
        .all()
    )
    return [
        ResellerKpis(
            partner_id=row[0],
            name=row[1],
            departement=row[2],
            tier=str(getattr(row[3], "value", row[3])),
            status=str(getattr(row[4], "value", row[4])),
            joined_on=row[5],
            leads=int(row[6]),
            opened=int(row[7]),
            processed=int(row[8]),
            closed=int(row[9]),
            sold=int(row[10]),
        )
        for row in rows
    ]


def departement_leads(session: Session, start: date, end: date) -> dict[str, int]:
    """Leads received in [start, end) per département (the lead's own, not its reseller's)."""
    rows = session.connection().execute(
        sa_select(col(Lead.departement), func.count())
        .where(col(Lead.received_at) >= midnight(start))
        .where(col(Lead.received_at) < midnight(end))
        .group_by(col(Lead.departement))
    )
    return {code: int(count) for code, count in rows}


def _flag(condition: object) -> object:
    return case((condition, 1), else_=0).cast(Integer)  # type: ignore[arg-type]


def midnight(day: date) -> datetime:
    """The instant a programme day starts, as lead times are stored and compared (UTC)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
