"""Whom a partner writes to: the channel manager of its département.

Every e-mail to a partner ends with a person to contact (the messages themselves come from an
address nobody reads). A département's manager is set with ``partnerflow partners manager``;
where none is set, or they left, the first active channel manager answers, and without any the
footer gives the programme's address (``PARTNERFLOW_PROGRAMME_CONTACT``).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from partnerflow.audit import record_event
from partnerflow.models import Partner, Person, PersonRole, Role, Territory
from partnerflow.territories import departement_label

Contact = dict[str, str]  # {"name": ..., "email": ...}: what the footer shows


def _channel_managers() -> SelectOfScalar[Person]:
    """The active channel managers, oldest first."""
    return (
        select(Person)
        .join(PersonRole)
        .where(PersonRole.role == Role.CHANNEL_MANAGER)
        .where(col(Person.active))
        .order_by(col(Person.id))
    )


def first_channel_manager(session: Session) -> Person | None:
    """The first active channel manager: the contact where a département has none."""
    return session.exec(_channel_managers()).first()


def assigned_channel_manager(session: Session, territory_code: str) -> Person | None:
    """The département's own channel manager, if set and active."""
    return session.exec(
        select(Person)
        .join(Territory, col(Territory.channel_manager_id) == col(Person.id))
        .where(Territory.code == territory_code, col(Person.active))
    ).first()


def channel_manager_for(session: Session, territory_code: str) -> Person | None:
    """The département's channel manager if set and active, else the first active one."""
    return assigned_channel_manager(session, territory_code) or first_channel_manager(session)


def contact_for(session: Session, partner: Partner) -> Contact:
    """The footer's contact for ``partner`` (empty: the programme's address)."""
    manager = channel_manager_for(session, partner.territory_code)
    return {"name": manager.name, "email": manager.email} if manager else {}


def contacts_by_territory(session: Session) -> dict[str, Contact]:
    """Every département's contact in two queries, for the runs that mail many partners
    (statements, scorecards); a département missing from the map takes ``[""]``, the fallback."""
    rows = session.exec(
        select(Territory.code, Person.name, Person.email)
        .join(Person, col(Territory.channel_manager_id) == col(Person.id))
        .where(col(Person.active))
    ).all()
    contacts = {code: {"name": name, "email": email} for code, name, email in rows}
    fallback = first_channel_manager(session)
    contacts[""] = {"name": fallback.name, "email": fallback.email} if fallback else {}
    return contacts


def lookup(contacts: dict[str, Contact], partner: Partner) -> Contact:
    """``partner``'s contact in a map from :func:`contacts_by_territory`."""
    return contacts.get(partner.territory_code) or contacts.get("", {})


def assign_manager(session: Session, code: str, email: str, *, actor: str, now: datetime) -> str:
    """Make the active channel manager ``email`` the contact of département ``code`` (audited);
    returns what changed, or raises LookupError saying why not."""
    territory = session.get(Territory, code)
    if territory is None:
        raise LookupError(f"département {code} has no partners in the programme")
    person = session.exec(select(Person).where(Person.email == email.strip().lower())).first()
    if person is None or not person.active or Role.CHANNEL_MANAGER not in person.roles:
        raise LookupError(f"{email} is not an active channel manager")
    previous = territory.channel_manager_id
    territory.channel_manager_id = person.id
    session.add(territory)
    record_event(
        session,
        now=now,
        actor=actor,
        action="territory.manager-assigned",
        subject_type="territory",
        subject_id=code,
        details={"person_id": person.id, "previous_person_id": previous},
    )
    return f"{departement_label(code)}: {person.name} <{person.email}>"


def assign_round_robin(session: Session) -> int:
    """Give every département without a manager one of the active channel managers, in turn
    (the demo's seed: each partner then has a named contact)."""
    managers = list(session.exec(_channel_managers()))
    if not managers:
        return 0
    open_territories = session.exec(
        select(Territory).where(col(Territory.channel_manager_id).is_(None)).order_by(col(Territory.code))
    ).all()
    for number, territory in enumerate(open_territories):
        territory.channel_manager_id = managers[number % len(managers)].id
        session.add(territory)
    return len(open_territories)
