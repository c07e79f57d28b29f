"""Welcoming a reseller into the programme: the first e-mail a partner receives."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from partnerflow.contacts import channel_manager_for
from partnerflow.models import Partner, Territory
from partnerflow.notify import TemplateRenderer, enqueue
from partnerflow.policy import DealRegistrationPolicy, Policy


def queue_welcome(
    session: Session,
    *,
    renderer: TemplateRenderer,
    partner: Partner,
    deal_policy: Policy[DealRegistrationPolicy],
    today: date,
) -> bool:
    """Queue the ``partner_welcome`` e-mail for ``partner``; False if it was queued before."""
    territory = session.get(Territory, partner.territory_code)
    assert territory is not None and partner.id is not None
    manager = channel_manager_for(session, partner.territory_code)
    if manager is None:
        raise LookupError("no active channel manager: seed or add one before welcoming partners")
    return enqueue(
        session,
        renderer=renderer,
        dedupe_key=f"partner-welcome:{partner.id}",
        recipient=partner.primary_email,
        template="partner_welcome",
        locale=partner.locale,
        context={
            "partner_name": partner.name,
            "tier": partner.tier,
            "territory_code": territory.code,
            "territory_name": territory.name,
            "joined_on": today,
            "protection_days": deal_policy.document.protection.days,
            "channel_manager_name": manager.name,
            "channel_manager_email": manager.email,
            "contact": {"name": manager.name, "email": manager.email},
        },
    )
