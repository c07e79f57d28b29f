"""The e-mails of a reseller's turn: the offer, the reminders, the notice that it passed on.

Each goes to every active contact of the reseller, in the contact's language, with the
contact's own signed link to the lead's page (sealed: the outbox never stores a usable link).
The prospect's contact details are never in an e-mail: revealing them on the page is what
counts as *opened*. One message per (event, turn, contact): a rerun queues nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from partnerflow.approvals.sealing import lead_link
from partnerflow.leads.deadlines import DeadlineSweep, sweep_deadlines
from partnerflow.leads.distribution import RoutingReport, route_waiting
from partnerflow.models import Lead, LeadTurn, Partner, PartnerContact, TurnState
from partnerflow.notify.outbox import message_row, store_messages
from partnerflow.notify.rendering import TemplateRenderer
from partnerflow.policy import LeadRoutingPolicy, Policy
from partnerflow.webhooks import listeners, publish

OFFERED, REMINDER, WITHDRAWN = "lead_offered", "lead_reminder", "lead_withdrawn"
LEAD_OFFERED = "lead.offered"  # the webhook event


def queue_turn_mail(
    session: Session,
    renderer: TemplateRenderer,
    turn_ids: Iterable[int],
    *,
    template: str,
    policy: LeadRoutingPolicy,
    occasion: str = "",
) -> int:
    """Queue ``template`` for each turn's reseller contacts; how many messages were new.
    ``occasion`` tells two messages of the same template apart (the acceptance reminder and
    the status reminder of one turn)."""
    rows: list[dict[str, Any]] = []
    ids = sorted(set(turn_ids))
    zone = ZoneInfo(policy.acceptance.timezone)
    for start in range(0, len(ids), 500):
        found = session.exec(
            select(LeadTurn, Lead, Partner)
            .join(Lead, col(Lead.id) == col(LeadTurn.lead_id))
            .join(Partner, col(Partner.id) == col(LeadTurn.reseller_id))
            .where(col(LeadTurn.id).in_(ids[start : start + 500]))
        ).all()
        for turn, lead, partner in found:
            for contact in _active(partner.contacts):
                rows.append(_row(renderer, template, occasion, turn, lead, partner, contact, policy, zone))
    return store_messages(session, rows)


def announce_offers(
    session: Session,
    renderer: TemplateRenderer,
    turn_ids: Iterable[int],
    *,
    policy: LeadRoutingPolicy,
    now: datetime,
) -> int:
    """Each offered turn e-mailed to its reseller's contacts and, for a reseller whose systems
    listen, published as ``lead.offered`` (without the prospect's contact: revealing it is what
    counts as opened). How many messages were new."""
    ids = sorted(set(turn_ids))
    listening = listeners(session, LEAD_OFFERED)  # one query, not one per offer
    for start in range(0, len(ids), 500) if listening else ():
        found = session.exec(
            select(LeadTurn, Lead)
            .join(Lead, col(Lead.id) == col(LeadTurn.lead_id))
            .where(col(LeadTurn.id).in_(ids[start : start + 500]), col(LeadTurn.reseller_id).in_(listening))
        ).all()
        for turn, lead in found:
            publish(
                session,
                turn.reseller_id,
                LEAD_OFFERED,
                key=f"{LEAD_OFFERED}:{turn.id}",
                data={
                    "lead_id": turn.id,
                    "company": lead.company,
                    "departement": lead.departement,
                    "product_lines": list(lead.product_lines),
                    "source": lead.source,
                    "offered_at": turn.received_at.isoformat(),
                    "accept_by": (turn.deadline_at or turn.received_at).isoformat(),
                },
                now=now,
            )
    return queue_turn_mail(session, renderer, ids, template=OFFERED, policy=policy)


def _offered_turns(session: Session, lead_ids: Iterable[str]) -> list[int]:
    """The holding offered turn of each lead just routed."""
    ids = sorted(set(lead_ids))
    return [
        turn_id
        for start in range(0, len(ids), 1000)
        for turn_id in session.exec(
            select(LeadTurn.id).where(
                col(LeadTurn.lead_id).in_(ids[start : start + 1000]), LeadTurn.state == TurnState.OFFERED
            )
        )
        if turn_id is not None
    ]


def _active(contacts: list[PartnerContact]) -> list[PartnerContact]:
    return [contact for contact in contacts if contact.active]


def _row(
    renderer: TemplateRenderer,
    template: str,
    occasion: str,
    turn: LeadTurn,
    lead: Lead,
    partner: Partner,
    contact: PartnerContact,
    policy: LeadRoutingPolicy,
    zone: ZoneInfo,
) -> dict[str, Any]:
    assert turn.id is not None and contact.id is not None
    deadline = (turn.deadline_at or turn.received_at).astimezone(zone)
    return message_row(
        renderer,
        dedupe_key=f"{template}{occasion}:{turn.id}:{contact.id}",
        recipient=contact.email,
        template=template,
        locale=contact.locale.value,
        context={
            "contact_name": contact.name,
            "partner_name": partner.name,
            "company": lead.company or lead.id,
            "departement": lead.departement,
            "product_lines": list(lead.product_lines),
            "source": lead.source,
            "deadline": deadline.date(),
            "deadline_time": deadline.strftime("%H:%M"),
            "working_hours": policy.acceptance.working_hours,
            "accepted": turn.state is TurnState.ACCEPTED,
            "lead_url": lead_link(turn.id, contact.id),
        },
    )


def sweep_and_tell(
    session: Session, renderer: TemplateRenderer, policy: LeadRoutingPolicy, now: datetime
) -> DeadlineSweep:
    """The deadline sweep with its e-mails: reminders to accept, notices of offers passed on,
    reminders to declare a status (one per turn and day)."""
    sweep = sweep_deadlines(session, policy, now)
    queue_turn_mail(session, renderer, sweep.reminded, template=REMINDER, policy=policy)
    queue_turn_mail(session, renderer, sweep.withdrawn, template=WITHDRAWN, policy=policy)
    occasion = f"-status-{now.date().isoformat()}"
    queue_turn_mail(
        session, renderer, sweep.status_reminded, template=REMINDER, policy=policy, occasion=occasion
    )
    return sweep


def route_and_offer(
    session: Session, renderer: TemplateRenderer, policy: Policy[LeadRoutingPolicy], now: datetime
) -> RoutingReport:
    """Route every waiting lead and queue each offer's e-mails."""
    report = route_waiting(session, policy, now=now)
    announce_offers(
        session, renderer, _offered_turns(session, report.offered), policy=policy.document, now=now
    )
    return report
