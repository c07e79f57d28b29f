"""Hand-built lead data for rebalancing tests: exact counts per reseller."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.models import (
    ContactRole,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadStatus,
    LeadTurn,
    Partner,
    PartnerContact,
    PartnerTier,
    Role,
    Territory,
    TurnState,
)
from partnerflow.policy import PolicyLibrary
from partnerflow.settings import PROJECT_ROOT
from tests.factories import WRITTEN_AT, add_person

LIBRARY = PolicyLibrary.load(PROJECT_ROOT / "policies")
POLICY_2026 = LIBRARY.in_force("rebalancing", date(2026, 12, 31))
_ids = count(1)


def add_reseller(
    engine: Engine, departement: str = "69", *, joined_on: date = date(2020, 1, 1), name: str = ""
) -> int:
    with Session(engine) as session:
        if session.get(Territory, departement) is None:
            session.add(Territory(code=departement, name=f"Dépt {departement}"))
            session.flush()
        number = next(_ids)
        partner = Partner(
            created_at=WRITTEN_AT,
            name=name or f"Revendeur {number}",
            territory_code=departement,
            tier=PartnerTier.SILVER,
            joined_on=joined_on,
        )
        partner.contacts = [
            PartnerContact(
                email=f"contact@revendeur{number}.example", role=ContactRole.ADMIN, created_at=WRITTEN_AT
            )
        ]
        session.add(partner)
        session.commit()
        assert partner.id is not None
        return partner.id


def give_leads(
    engine: Engine,
    reseller_id: int,
    *,
    leads: int,
    opened: int = 0,
    processed: int = 0,
    closed: int = 0,
    sold: int = 0,
    year: int = 2026,
    departement: str = "69",
) -> None:
    """``leads`` leads received in ``year``: the first ``opened`` opened, the first ``processed``
    with a status, the first ``closed`` with a final one, the first ``sold`` of those sold."""
    assert leads >= opened >= processed >= closed >= sold
    start = datetime(year, 2, 1, 9, tzinfo=UTC)
    with Session(engine) as session:
        for index in range(leads):
            lead_id = f"L-{reseller_id}-{year}-{next(_ids)}"
            received = start + timedelta(days=index)
            session.add(Lead(id=lead_id, departement=departement, received_at=received))
            session.add(
                LeadTurn(
                    lead_id=lead_id, reseller_id=reseller_id, state=TurnState.RECORDED, received_at=received
                )
            )
            events = [(LeadEventKind.SENT, None)]
            if index < opened:
                events.append((LeadEventKind.OPENED, None))
            if index < processed:
                events.append((LeadEventKind.STATUS, LeadStatus.IN_PROGRESS))
            if index < closed:
                events.append((LeadEventKind.STATUS, LeadStatus.SOLD if index < sold else LeadStatus.LOST))
            for number, (kind, status) in enumerate(events):
                session.add(
                    LeadEvent(
                        id=f"{lead_id}-{number}",
                        lead_id=lead_id,
                        reseller_id=reseller_id,
                        kind=kind,
                        status=status,
                        occurred_at=received + timedelta(hours=number + 1),
                    )
                )
        session.commit()


def add_manager(engine: Engine, email: str = "manager@vendor.example") -> str:
    with Session(engine) as session:
        add_person(session, email, Role.CHANNEL_MANAGER)
        session.commit()
    return email
