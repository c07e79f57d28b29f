"""What lead distribution puts before a channel manager (their *My decisions* page): the leads
of their départements no reseller may take (no consent, passed on too often, no eligible
reseller), and the accepted leads whose reseller declared no status past the policy's delay
(already reminded). A département without a manager of its own shows its leads to every
channel manager."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from partnerflow.models import (
    AuditEvent,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadState,
    LeadTurn,
    Partner,
    Territory,
    TurnState,
)

SHOWN = 100
TO_MANAGER = "lead.to-manager"  # the routing's audit action (partnerflow.leads.distribution)


@dataclass(frozen=True)
class LeadAttention:
    lead_id: str
    company: str
    departement: str
    since: datetime
    why: str  # "unrouted" or "no-status"
    detail: str  # the rule that sent it to a manager, or the reseller that holds it


def needing_attention(
    session: Session, manager_id: int, *, now: datetime, status_within: timedelta
) -> list[LeadAttention]:
    """The manager's leads to look at, oldest first (at most ``SHOWN`` of each kind): accepted
    more than ``status_within`` ago (the policy's delay) and still without a status."""
    theirs = select(Territory.code).where(
        or_(col(Territory.channel_manager_id) == manager_id, col(Territory.channel_manager_id).is_(None))
    )
    unrouted = session.exec(
        select(Lead, AuditEvent.rule_id)
        .join(
            AuditEvent,
            (col(AuditEvent.subject_id) == col(Lead.id)) & (AuditEvent.action == "lead.to-manager"),
        )
        .where(Lead.state == LeadState.UNROUTED, col(Lead.departement).in_(theirs))
        .order_by(col(Lead.received_at))
        .limit(SHOWN)
    ).all()
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
        LeadAttention(lead.id, lead.company, lead.departement, lead.received_at, "unrouted", rule or "")
        for lead, rule in unrouted
    ] + [
        LeadAttention(lead.id, lead.company, lead.departement, accepted_at, "no-status", name)
        for _turn, lead, name, accepted_at in silent
    ]
