"""A realistic year of leads for the demo network (and, scaled up, for the benchmark).

Each reseller gets a behaviour: most open and work their leads, some close too few or too many,
some barely open them, a few receive too few leads to be judged. The data is a pure function of
(partners, year, leads per reseller, seed), written with multi-row inserts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from partnerflow.models import Lead, LeadEvent, LeadTurn

BATCH = 20_000


@dataclass(frozen=True)
class Behaviour:
    name: str
    weight: float
    open: float
    process: float  # of opened leads, declared in progress / sold / lost
    close: float  # of processed leads, a final status
    sell: float  # of closed leads, sold
    volume: float  # multiplies the leads it receives


BEHAVIOURS = (
    Behaviour("performer", 0.66, 0.97, 0.92, 0.61, 0.45, 1.0),
    Behaviour("slow closer", 0.15, 0.95, 0.88, 0.40, 0.40, 1.0),
    Behaviour("lazy", 0.07, 0.70, 0.60, 0.55, 0.35, 1.0),
    Behaviour("silent", 0.04, 0.40, 0.30, 0.50, 0.30, 1.0),
    Behaviour("small", 0.08, 0.95, 0.90, 0.62, 0.45, 0.25),
)


@dataclass(frozen=True)
class SeededLeads:
    leads: int
    events: int


def seed_leads(
    session: Session,
    partners: list[tuple[int, str]],
    year: int,
    *,
    days: int = 360,
    leads_per_reseller: int = 24,
    seed: int = 2026,
) -> SeededLeads:
    """Leads received over the first ``days`` of ``year`` by each ``(partner id, département)``,
    with their events (``leads_per_reseller`` is the yearly rate, scaled to ``days``)."""
    rng = random.Random(seed)
    start = datetime(year, 1, 1, 8, tzinfo=UTC)
    leads: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    totals = [0, 0]
    for partner_id, departement in partners:
        behaviour = rng.choices(BEHAVIOURS, weights=[b.weight for b in BEHAVIOURS])[0]
        yearly = rng.gauss(leads_per_reseller, leads_per_reseller / 5) * behaviour.volume
        count = max(1 if leads_per_reseller else 0, round(yearly * min(days, 365) / 365))
        for _ in range(count):
            totals[0] += 1
            lead_id = f"L{year}-{totals[0]:08d}"
            received = start + timedelta(minutes=rng.randrange(days * 24 * 60))
            leads.append(
                {"id": lead_id, "departement": departement, "received_at": received, "product_lines": []}
            )
            turns.append(
                {
                    "lead_id": lead_id,
                    "reseller_id": partner_id,
                    "state": "recorded",
                    "received_at": received,
                    "ranking": [],
                }
            )
            events.extend(_events(rng, behaviour, lead_id, partner_id, received))
        if len(events) >= BATCH:
            totals[1] += _flush(session, leads, turns, events)
    totals[1] += _flush(session, leads, turns, events)
    return SeededLeads(totals[0], totals[1])


def _events(
    rng: random.Random, behaviour: Behaviour, lead_id: str, reseller_id: int, received: datetime
) -> list[dict[str, Any]]:
    moment = received

    def _event(number: int, kind: str, status: str | None, moment: datetime) -> dict[str, Any]:
        return {
            "id": f"{lead_id}-E{number}",
            "lead_id": lead_id,
            "reseller_id": reseller_id,
            "kind": kind,
            "status": status,
            "occurred_at": moment,
        }

    rows = [_event(1, "sent", None, moment)]
    if rng.random() >= behaviour.open:
        return rows
    moment += timedelta(hours=rng.randint(1, 72))
    rows.append(_event(2, "opened", None, moment))
    if rng.random() >= behaviour.process:
        return rows
    moment += timedelta(days=rng.randint(1, 20))
    if rng.random() >= behaviour.close:
        rows.append(_event(3, "status", "in_progress", moment))
        return rows
    final = "sold" if rng.random() < behaviour.sell else "lost"
    rows.append(_event(3, "status", final, moment))
    return rows


def _flush(session: Session, *buffers: list[dict[str, Any]]) -> int:
    """Write the buffered leads, turns and events (Core inserts, not the ORM's bulk path) and
    empty the buffers; how many events were written."""
    written = len(buffers[-1])
    for table, rows in zip((Lead, LeadTurn, LeadEvent), buffers, strict=True):
        if rows:
            session.connection().execute(insert(table.__table__), rows)  # type: ignore[attr-defined]
        rows.clear()
    return written
