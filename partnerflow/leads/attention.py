"""What lead distribution asks a channel manager to look at on their *My decisions* page, beside
their open decisions (where the leads no reseller may take are, ``handover``): the accepted
leads of their départements whose reseller declared no status past the policy's delay (already
reminded). A département without a manager of its own shows its leads to every channel
manager."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from partnerflow.models import (
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadTurn,
    Partner,
    Territory,
    TurnState,
)

SHOWN = 100


@dataclass(frozen=True)
class LeadAttention:
    lead_id: str
    company: str
    departement: str
    since: datetime
    detail: str  # the reseller that holds it


def needing_attention(
    session: Session, manager_id: int, *, now: datetime, status_within: timedelta
) -> list[LeadAttention]:
    """The manager's leads to look at, oldest first (at most ``SHOWN``): accepted more than
    ``status_within`` ago (the policy's delay) and still without a status."""
    theirs = select(Territory.code).where(
        or_(col(Territory.channel_manager_id) == manager_id, col(Territory.channel_manager_id).is_(None))
    )
    accepted = (col(LeadEvent.lead_id) == col(LeadTurn.lead_id)) & (
        col(LeadEvent.reseller_id) == col(LeadTurn.reseller_id)
    )
    silent = session.exec(
        select(LeadTurn, Lead, Partner.name, LeadEvent.occurred_at)
        .join(Lead, col(Lead.id) == col(LeadTurn.lead_id))
        .join(Partner, col(Partner.id) == col(LeadTurn.reseller_id))
        .join(LeadEvent, accepted & (LeadEvent.kind == LeadEventKind.ACCEPTED))
        .where(
            LeadTurn.state == TurnState.ACCEPTED,
            col(LeadTurn.status_due_at).is_not(None),  # no status declared yet
            col(LeadEvent.occurred_at) < now - status_within,
            col(Lead.departement).in_(theirs),
        )
        .order_by(col(LeadEvent.occurred_at))
        .limit(SHOWN)
    ).all()
    return [
        LeadAttention(lead.id, lead.company, lead.departement, accepted_at, name)
        for _turn, lead, name, accepted_at in silent
    ]
