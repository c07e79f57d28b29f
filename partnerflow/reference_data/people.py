"""The vendor's people: who holds which role, in which language, and which départements each
channel manager looks after. Loaded from a file the programme owner keeps (``people import``),
exported in the same columns (``people export``), a person deactivated by name.

A file is authoritative for the people it lists (their name, language, roles and départements
become what it says; people it does not list are left alone) and is all or nothing: one refused
row and nothing is stored, each refusal named ``row N: field: reason``. Importing the same file
twice changes nothing. A role granted or taken away is audited, person by person, under the
proven operator: roles decide who may approve money.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlmodel import Session, col, select

from partnerflow.audit import record_event
from partnerflow.models import Locale, Person, PersonRole, Role, Territory
from partnerflow.reference_data.rows import (
    Address,
    PlainText,
    blank_cells_left_out,
    ensure_territory,
    listed,
    refusal,
    territory_of,
)

COLUMNS = ("email", "name", "roles", "locale", "manages")


class PersonRow(BaseModel):
    """``email,name,roles,locale,manages``: roles and départements separated by ``;``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: Address = Field(max_length=254)
    name: PlainText = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1)
    locale: Locale = Locale.FR
    manages: list[str] = Field(default_factory=list)

    @field_validator("roles", "manages", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return listed(value)

    @field_validator("manages")
    @classmethod
    def _departements(cls, value: list[str]) -> list[str]:
        return sorted({territory_of(code) for code in value})


@dataclass
class PeopleImport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # row number, reasons


def check_people(rows: list[dict[str, Any]]) -> tuple[list[PersonRow], list[tuple[int, str]]]:
    """Every row read, or every refusal (a channel manager's départements are only a channel
    manager's; an address twice in one file is refused: which row was meant?)."""
    read: list[PersonRow] = []
    refused: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        try:
            row = PersonRow.model_validate(blank_cells_left_out(raw))
        except ValidationError as error:
            refused.append((number, refusal(error)))
            continue
        if row.manages and Role.CHANNEL_MANAGER not in row.roles:
            refused.append((number, "manages: only a channel manager looks after départements"))
        elif row.email in seen:
            refused.append((number, f"email: {row.email} is already on row {seen[row.email]}"))
        else:
            seen[row.email] = number
            read.append(row)
    return read, refused


def import_people(session: Session, rows: list[dict[str, Any]], *, actor: str, now: datetime) -> PeopleImport:
    """Store every row, or none when one is refused."""
    people, refused = check_people(rows)
    report = PeopleImport(refused=refused)
    if refused:
        return report
    for row in people:
        person = session.exec(select(Person).where(Person.email == row.email)).first()
        changes = _apply(session, person, row, actor=actor, now=now)
        if person is None:
            report.added.append(row.email)
        elif changes:
            report.updated.append(row.email)
        else:
            report.unchanged += 1
    return report


def deactivate(session: Session, email: str, *, actor: str, now: datetime) -> str:
    """The person can no longer sign in, answer or be asked; their départements go back to the
    first channel manager. LookupError for nobody; ValueError for the last programme owner."""
    person = session.exec(select(Person).where(Person.email == email.strip().lower())).first()
    if person is None or not person.active:
        raise LookupError(f"{email}: no active person with this address")
    if Role.PROGRAMME_OWNER in person.roles and len(active_owners(session)) == 1:
        raise ValueError(f"{email} is the last programme owner: name another one first")
    person.active = False
    session.add(person)
    for territory in session.exec(select(Territory).where(Territory.channel_manager_id == person.id)):
        territory.channel_manager_id = None
        session.add(territory)
    record_event(
        session,
        actor=actor,
        action="person.deactivated",
        subject_type="person",
        subject_id=person.email,
        now=now,
    )
    return f"{person.email} deactivated"


def active_owners(session: Session) -> list[Person]:
    """Active programme owners: whoever loads people once there is one."""
    return list(
        session.exec(
            select(Person)
            .join(PersonRole)
            .where(PersonRole.role == Role.PROGRAMME_OWNER, col(Person.active))
            .order_by(col(Person.id))
        )
    )


def export_people(session: Session) -> list[dict[str, str]]:
    """Every active person in the import's columns: the file to edit and load again."""
    managed: dict[int, list[str]] = {}
    for code, manager_id in session.exec(select(Territory.code, Territory.channel_manager_id)):
        if manager_id is not None:
            managed.setdefault(manager_id, []).append(code)
    return [
        {
            "email": person.email,
            "name": person.name,
            "roles": ";".join(sorted(role.value for role in person.roles)),
            "locale": person.locale.value,
            "manages": ";".join(sorted(managed.get(person.id or 0, []))),
        }
        for person in session.exec(select(Person).where(col(Person.active)).order_by(col(Person.email)))
    ]


def _apply(session: Session, person: Person | None, row: PersonRow, *, actor: str, now: datetime) -> bool:
    """Make the stored person what ``row`` says; True when anything changed (audited)."""
    if person is None:
        person = Person(email=row.email, name=row.name, locale=row.locale, active=False)
    before = (person.name, person.locale, person.active)
    person.name, person.locale, person.active = row.name, row.locale, True
    session.add(person)
    session.flush()
    assert person.id is not None
    granted, taken = set(row.roles) - person.roles, person.roles - set(row.roles)
    for link in list(person.role_links):
        if Role(link.role) in taken:
            session.delete(link)
    session.add_all(PersonRole(person_id=person.id, role=role) for role in sorted(granted))
    moved = _manage(session, person.id, row.manages)
    session.flush()
    session.refresh(person)
    changed = bool(granted or taken or moved) or before != (person.name, person.locale, person.active)
    if changed:
        record_event(
            session,
            actor=actor,
            action="person.loaded",
            subject_type="person",
            subject_id=person.email,
            now=now,
            details={
                "granted": sorted(granted),
                "taken_away": sorted(taken),
                "manages": row.manages,
                "name": person.name,
                "locale": person.locale.value,
            },
        )
    return changed


def _manage(session: Session, person_id: int, codes: list[str]) -> bool:
    """The person looks after exactly ``codes``; True when that changed."""
    changed = False
    for territory in session.exec(select(Territory).where(Territory.channel_manager_id == person_id)):
        if territory.code not in codes:
            territory.channel_manager_id, changed = None, True
            session.add(territory)
    for code in codes:
        territory = ensure_territory(session, code)
        if territory.channel_manager_id != person_id:
            territory.channel_manager_id, changed = person_id, True
            session.add(territory)
    return changed
