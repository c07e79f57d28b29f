"""A partner's people: its admin adds and removes them in the portal, the programme adds the
first one when it admits the partner. Every change is audited; a contact is deactivated, never
deleted; a partner always keeps one active admin (its e-mails meant for one reader go there).
"""

from __future__ import annotations

from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, select

from partnerflow.models import ContactRole, Locale, Partner, PartnerContact
from partnerflow.partner_access.trail import partner_event
from partnerflow.text import is_clean

MAX_CONTACTS = 50  # per partner: past that, the portal is not the tool


class ContactRefused(ValueError):
    """Why a change to a partner's contacts is refused, naming the field."""


def normal_address(email: str) -> str:
    """``email`` as it is stored and compared (its domain in ASCII, the whole in lower case),
    or :class:`ContactRefused` saying why it is no address."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ContactRefused(f"email: {error}") from None
    return checked.ascii_email.lower() if checked.ascii_email else checked.normalized.lower()


def add_contact(
    session: Session,
    partner: Partner,
    *,
    email: str,
    name: str = "",
    locale: Locale | str = Locale.FR,
    role: ContactRole | str = ContactRole.SALES,
    actor: str,
    now: datetime,
) -> PartnerContact:
    """Add (or bring back) a contact of ``partner``; :class:`ContactRefused` says what is wrong."""
    address = normal_address(email)
    if len(name) > 200 or not is_clean(name):
        raise ContactRefused("name: at most 200 characters, no control characters")
    if locale not in {item.value for item in Locale} or role not in {item.value for item in ContactRole}:
        raise ContactRefused(f"locale or role: one of {', '.join(Locale)} and {', '.join(ContactRole)}")
    assert partner.id is not None
    existing = session.exec(
        select(PartnerContact).where(PartnerContact.partner_id == partner.id, PartnerContact.email == address)
    ).first()
    if existing is not None and existing.active:
        raise ContactRefused(f"email: {address} is a contact of this partner already")
    if existing is None and len(partner.contacts) >= MAX_CONTACTS:
        raise ContactRefused(f"email: a partner has at most {MAX_CONTACTS} contacts")
    contact = existing or PartnerContact(partner_id=partner.id, email=address, created_at=now)
    contact.name, contact.locale, contact.role = name.strip(), Locale(locale), ContactRole(role)
    contact.active, contact.removed_at = True, None
    session.add(contact)
    if existing is None:
        partner.contacts.append(contact)
    session.flush()
    _audit(session, contact, "partner-contact.added", actor, now, role=contact.role.value)
    return contact


def remove_contact(
    session: Session, partner: Partner, contact_id: int, *, actor: str, now: datetime
) -> PartnerContact:
    """Deactivate ``partner``'s contact ``contact_id`` (its sessions and links open nothing
    more); LookupError if it is not one of the partner's, :class:`ContactRefused` for the last
    active admin."""
    contact = _keeping_an_admin(session, partner, contact_id)
    contact.active, contact.removed_at = False, now
    session.add(contact)
    session.flush()
    _audit(session, contact, "partner-contact.removed", actor, now)
    return contact


def change_role(
    session: Session, partner: Partner, contact_id: int, role: ContactRole | str, *, actor: str, now: datetime
) -> PartnerContact:
    """Make ``partner``'s contact an admin or a salesperson (the last admin stays one)."""
    if role not in {item.value for item in ContactRole}:
        raise ContactRefused(f"role: one of {', '.join(ContactRole)}")
    if role == ContactRole.ADMIN:
        contact = _active_contact(session, partner, contact_id)
    else:
        contact = _keeping_an_admin(session, partner, contact_id)
    if contact.role != role:
        contact.role = ContactRole(role)
        session.add(contact)
        session.flush()
        _audit(session, contact, "partner-contact.role-changed", actor, now, role=contact.role.value)
    return contact


def _active_contact(session: Session, partner: Partner, contact_id: int) -> PartnerContact:
    contact = session.get(PartnerContact, contact_id)
    if contact is None or contact.partner_id != partner.id or not contact.active:
        raise LookupError(f"contact {contact_id} is not an active contact of this partner")
    return contact


def _keeping_an_admin(session: Session, partner: Partner, contact_id: int) -> PartnerContact:
    """The contact, if the partner keeps an active admin without it as one."""
    contact = _active_contact(session, partner, contact_id)
    admins = [other for other in partner.contacts if other.active and other.role is ContactRole.ADMIN]
    if contact.role is ContactRole.ADMIN and len(admins) == 1:
        raise ContactRefused("role: the last admin stays; make another contact admin first")
    return contact


def contacts_by_address(session: Session, email: str) -> list[PartnerContact]:
    """The active contacts with ``email``, of partners not removed from the programme."""
    try:
        address = normal_address(email)
    except ContactRefused:
        return []
    return list(
        session.exec(
            select(PartnerContact)
            .join(Partner, col(Partner.id) == col(PartnerContact.partner_id))
            .where(PartnerContact.email == address, col(PartnerContact.active), Partner.status != "removed")
            .order_by(col(PartnerContact.id))
        )
    )


def _audit(
    session: Session, contact: PartnerContact, action: str, actor: str, now: datetime, **details: object
) -> None:
    partner_event(session, contact.partner_id, action, actor=actor, now=now, contact_id=contact.id, **details)
