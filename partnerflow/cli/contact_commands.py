"""``partnerflow partners contacts``: a partner's people, as the channel team sees and mends them.

A partner's admin manages its contacts in the portal; the channel team does it here when the
partner cannot (its only admin left, a new partner's first admin to change). Adding or removing
is an act of a proven person of the team (``--operator-link``), audited under their address.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session

from partnerflow.cli.api_key_commands import PartnerId, proven, refused_if
from partnerflow.cli.approval_commands import OperatorLink
from partnerflow.cli.output import console, friendly_errors, print_json
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.models import ContactRole, Locale, Partner, Person, Role
from partnerflow.partner_access.contacts import ContactRefused, add_contact, remove_contact
from partnerflow.text import MAX_ID

app = typer.Typer(help="A partner's contacts: list, add, remove.", no_args_is_help=True)
MANAGES_CONTACTS = frozenset({Role.CHANNEL_MANAGER, Role.CHANNEL_OPS, Role.PROGRAMME_OWNER})
COLUMNS = ("id", "name", "email", "role", "locale", "active")


@app.command("list")
@friendly_errors
def list_contacts(partner_id: PartnerId, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """PARTNER_ID's contacts, active or removed."""
    with session_scope() as session:
        partner = session.get(Partner, partner_id)
        refused_if("partners contacts list", "" if partner else f"no partner {partner_id}")
        assert partner is not None
        rows = [
            {
                "id": contact.id,
                "name": contact.name,
                "email": contact.email,
                "role": contact.role.value,
                "locale": contact.locale.value,
                "active": contact.active,
            }
            for contact in partner.contacts
        ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} contact(s) of partner {partner_id}")
    for column in COLUMNS:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[column]) for column in COLUMNS))
    console.print(table, markup=False)


@app.command()
@friendly_errors
def add(
    partner_id: PartnerId,
    email: Annotated[str, typer.Argument(help="The contact's work address")],
    name: Annotated[str, typer.Option(help="Their name, as e-mails greet them")] = "",
    role: Annotated[ContactRole, typer.Option(help="admin manages the partner's contacts and keys")] = (
        ContactRole.SALES
    ),
    locale: Annotated[Locale, typer.Option(help="The language of their e-mails and pages")] = Locale.FR,
    operator_link: OperatorLink = "",
) -> None:
    """Add a contact to PARTNER_ID (or bring a removed one back)."""
    ctx = context()
    with session_scope() as session:
        acting = _acting(session, operator_link, "partners contacts add", partner_id)
        problem = acting if isinstance(acting, str) else ""
        if not isinstance(acting, str):
            operator, partner = acting
            try:
                contact = add_contact(
                    session,
                    partner,
                    email=email,
                    name=name,
                    locale=locale,
                    role=role,
                    actor=f"operator:{operator.email}",
                    now=ctx.clock.now(),
                )
            except ContactRefused as error:
                problem = str(error)
    refused_if("partners contacts add", problem)
    console.print(f"contact {contact.id} of partner {partner_id}: {contact.email} ({contact.role.value})")


@app.command()
@friendly_errors
def remove(
    partner_id: PartnerId,
    contact_id: Annotated[int, typer.Argument(min=1, max=MAX_ID, help="The contact's number (from list)")],
    operator_link: OperatorLink = "",
) -> None:
    """Remove a contact of PARTNER_ID: no more e-mails, its sessions and links open nothing."""
    ctx = context()
    with session_scope() as session:
        acting = _acting(session, operator_link, "partners contacts remove", partner_id)
        problem = acting if isinstance(acting, str) else ""
        if not isinstance(acting, str):
            operator, partner = acting
            try:
                remove_contact(
                    session, partner, contact_id, actor=f"operator:{operator.email}", now=ctx.clock.now()
                )
            except (LookupError, ContactRefused) as error:
                problem = str(error).strip("'\"")
    refused_if("partners contacts remove", problem)
    console.print(f"contact {contact_id} of partner {partner_id} removed")


def _acting(session: Session, link: str, action: str, partner_id: int) -> tuple[Person, Partner] | str:
    """The proven operator and the partner they act on; else why not (an unproven one audited)."""
    operator = proven(session, link, action, partner_id, MANAGES_CONTACTS)
    if isinstance(operator, str):
        return operator
    partner = session.get(Partner, partner_id)
    return (operator, partner) if partner is not None else f"no partner {partner_id}"
