"""The e-mails of a campaign: sign-off requests, rejection, partner offers and reminders."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from partnerflow.contacts import Contact, lookup
from partnerflow.models import Campaign, Partner, Person
from partnerflow.notify import TemplateRenderer, enqueue


def campaign_context(campaign: Campaign) -> dict[str, Any]:
    return {
        "campaign_id": campaign.id,
        "campaign_name": campaign.name,
        "product_line": campaign.product_line,
        "skus": ", ".join(campaign.skus),
        "discount_pct": float(campaign.discount_pct) if campaign.discount_pct is not None else None,
        "net_prices": {sku: float(price) for sku, price in campaign.net_prices.items()},
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "quantity": campaign.confirmed_quantity or campaign.quantity,
        "allocated_to_departement": False,
        "programme_reference": campaign.programme_reference or "",
        "reason": campaign.reason or "",
    }


def notify_person(
    session: Session,
    renderer: TemplateRenderer,
    *,
    template: str,
    campaign: Campaign,
    email: str,
    key: str,
    extra: dict[str, Any] | None = None,
) -> bool:
    """Queue an internal e-mail (the person's locale if known, else French)."""
    person = session.exec(select(Person).where(Person.email == email)).first()
    return enqueue(
        session,
        renderer=renderer,
        dedupe_key=f"{template}:{campaign.id}:{key}",
        recipient=email,
        template=template,
        locale=person.locale if person else "fr",
        context={
            **campaign_context(campaign),
            "person_name": person.name if person else email,
            **(extra or {}),
        },
    )


def notify_partner(
    session: Session,
    renderer: TemplateRenderer,
    *,
    template: str,
    campaign: Campaign,
    partner: Partner,
    contacts: dict[str, Contact],
) -> bool:
    """Queue a partner e-mail once per campaign, partner and message."""
    return enqueue(
        session,
        renderer=renderer,
        dedupe_key=f"{template}:{campaign.id}:{partner.id}",
        recipient=partner.primary_email,
        template=template,
        locale=partner.locale,
        context={
            **campaign_context(campaign),
            "quantity": offered_quantity(campaign, partner),
            "allocated_to_departement": bool(campaign.allocation),
            "partner_name": partner.name,
            "contact": lookup(contacts, partner),
        },
    )


def offered_quantity(campaign: Campaign, partner: Partner) -> int:
    """What a partner is told it can order: its département's allocation when supply chain
    allocated by département, otherwise the whole confirmed (or, unconfirmed, requested) quantity.
    A confirmed 0 is 0: partners are not offered what supply chain said is not there."""
    if campaign.allocation:
        return int(campaign.allocation.get(partner.territory_code, 0))
    return campaign.quantity if campaign.confirmed_quantity is None else campaign.confirmed_quantity
