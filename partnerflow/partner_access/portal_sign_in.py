"""How a partner's contact signs in to the portal: the inbox's magic links, at the portal's door
(``approvals.sign_in``). An address that is a contact of two partners gets one link per partner,
each naming the partner it opens; an unknown address gets nothing, and the page says the same.
A session opens nothing once its contact is removed or its partner leaves the programme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from partnerflow.approvals import Keys, Links
from partnerflow.approvals.sign_in import (
    Addressee,
    Door,
    close_session,
    mail_sign_in,
    open_session,
    session_holder,
)
from partnerflow.models import Partner, PartnerContact, PartnerStatus
from partnerflow.notify import TemplateRenderer
from partnerflow.partner_access.contacts import contacts_by_address


@dataclass(frozen=True)
class PortalUser:
    """Who is signed in to the portal: the contact, and the partner they act for."""

    contact: PartnerContact
    partner: Partner

    @property
    def contact_id(self) -> int:
        assert self.contact.id is not None
        return self.contact.id

    @property
    def partner_id(self) -> int:
        assert self.partner.id is not None
        return self.partner.id

    @property
    def locale(self) -> str:
        return self.contact.locale.value

    @property
    def is_admin(self) -> bool:
        return self.contact.role.value == "admin"


def request_portal_sign_in(
    session: Session, links: Links, renderer: TemplateRenderer, email: str, *, now: datetime
) -> int:
    """Mail a portal sign-in link for each partner ``email`` is an active contact of; how many
    were mailed (the page says the same whatever the number)."""
    mailed = 0
    for contact in contacts_by_address(session, email):
        assert contact.id is not None
        context = {
            "contact_name": contact.name,
            "partner_name": contact.partner.name,
            "portal_url": links.portal(),
        }
        to = Addressee(contact.id, contact.email, contact.locale.value, context)
        mailed += mail_sign_in(session, links.keys, renderer, Door.PORTAL, to, now=now)
    return mailed


def use_portal_sign_in(session: Session, keys: Keys, token: str, *, now: datetime) -> tuple[int, int] | str:
    """(contact id, link id) of the session a portal sign-in link opens (the link is used up),
    or why not."""
    opened = open_session(session, keys, Door.PORTAL, token, now=now)
    if isinstance(opened, str):
        return opened
    if _allowed_in(session, opened.holder_id) is None:
        return "this sign-in link is not valid: ask for a new one"
    return opened.holder_id, opened.link_id


def portal_user(session: Session, keys: Keys, cookie: str) -> PortalUser | None:
    """Whom a portal session cookie signs in, if the session is live and they may still act."""
    contact_id = session_holder(session, keys, Door.PORTAL, cookie)
    return None if contact_id is None else _allowed_in(session, contact_id)


def end_portal_session(session: Session, keys: Keys, cookie: str, *, now: datetime) -> None:
    close_session(session, keys, Door.PORTAL, cookie, now=now)


def _allowed_in(session: Session, contact_id: int) -> PortalUser | None:
    """The contact and its partner if the contact is active and the partner not removed."""
    contact = session.get(PartnerContact, contact_id)
    partner = session.get(Partner, contact.partner_id) if contact is not None else None
    if contact is None or partner is None or not contact.active or partner.status is PartnerStatus.REMOVED:
        return None
    return PortalUser(contact, partner)
