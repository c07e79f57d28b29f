"""``partnerflow partners api-key``: the keys a partner's systems call ``/api/v1`` with.

Making or revoking a key is an act of a proven person of the team (``--operator-link``), audited
under their address; a key is printed once, at creation, and never again (only its keyed digest
is kept). A partner's admin does the same in the portal; the channel team does it here.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session

from partnerflow.approvals.operators import operator_or_refusal
from partnerflow.cli.approval_commands import OperatorLink
from partnerflow.cli.output import console, errors, friendly_errors, print_json
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.models import Person, Role
from partnerflow.partner_access import SCOPES, api_keys_of, make_api_key, revoke_api_key
from partnerflow.text import MAX_ID

app = typer.Typer(help="Partners' API keys: create (shown once), list, revoke.", no_args_is_help=True)
MANAGES_KEYS = frozenset({Role.CHANNEL_OPS, Role.PROGRAMME_OWNER})
PartnerId = Annotated[int, typer.Argument(min=1, max=MAX_ID, help="The partner's number")]


@app.command()
@friendly_errors
def create(
    partner_id: PartnerId,
    name: Annotated[str, typer.Option(help="What the key is for, e.g. 'Salesforce sync'.")],
    scope: Annotated[list[str], typer.Option(help=f"Repeatable: {', '.join(SCOPES)}.")],
    operator_link: OperatorLink = "",
) -> None:
    """Make a key for PARTNER_ID's systems and print it once (hand it over securely)."""
    make_key(partner_id, name, scope, operator_link, "partners api-key create")


def make_key(partner_id: int | None, name: str, scopes: list[str], link: str, command: str) -> None:
    """Make a key for ``partner_id`` (the vendor's own systems when None) by a proven operator,
    and print it once."""
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        operator = proven(session, link, command, partner_id or 0)
        problem = operator if isinstance(operator, str) else ""
        if not isinstance(operator, str):
            try:
                made = make_api_key(
                    session,
                    ctx.links.keys,
                    partner_id,
                    name=name,
                    scopes=scopes,
                    created_by=f"operator:{operator.email}",
                    now=now,
                )
            except ValueError as error:
                problem = str(error)
    refused_if(command, problem)
    owner = f"partner {partner_id}" if partner_id is not None else "the vendor's systems"
    console.print(f"API key {made.row.prefix} for {owner} ({', '.join(made.row.scopes)}):")
    console.print(made.key, markup=False, highlight=False, soft_wrap=True)
    console.print("It is shown this once: only its digest is kept.")


@app.command("list")
@friendly_errors
def list_keys(partner_id: PartnerId, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """PARTNER_ID's keys: prefix, name, scopes, made by, last used, revoked (never the key)."""
    show_keys(partner_id, f"API key(s) of partner {partner_id}", as_json=as_json)


COLUMNS = ("prefix", "name", "scopes", "created_by", "last_used_at", "revoked_at")


def show_keys(partner_id: int | None, title: str, *, as_json: bool) -> None:
    """The keys of ``partner_id`` (the vendor's own when None), as JSON or a table."""
    with session_scope() as session:
        rows = [
            {
                "prefix": key.prefix,
                "name": key.name,
                "scopes": key.scopes,
                "created_by": key.created_by,
                "created_at": key.created_at.isoformat(timespec="minutes"),
                "last_used_at": key.last_used_at.isoformat(timespec="minutes") if key.last_used_at else None,
                "revoked_at": key.revoked_at.isoformat(timespec="minutes") if key.revoked_at else None,
            }
            for key in api_keys_of(session, partner_id)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} {title}")
    for column in COLUMNS:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[column] or "") for column in COLUMNS))
    console.print(table)


@app.command()
@friendly_errors
def revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix (from list)")],
    operator_link: OperatorLink = "",
) -> None:
    """Revoke a key: its next request is refused."""
    ctx = context()
    with session_scope() as session:
        operator = proven(session, operator_link, "partners api-key revoke", 0)
        problem = operator if isinstance(operator, str) else ""
        if not isinstance(operator, str):
            try:
                revoke_api_key(session, prefix, actor=f"operator:{operator.email}", now=ctx.clock.now())
            except LookupError as error:
                problem = str(error).strip("'\"")
    refused_if("partners api-key revoke", problem)
    console.print(f"API key {prefix} revoked")


def proven(
    session: Session, link: str, action: str, subject_id: int, roles: frozenset[Role] = MANAGES_KEYS
) -> Person | str:
    """The person of the team ``link`` proves, holding one of ``roles``; else why not (audited)."""
    ctx = context()
    return operator_or_refusal(
        session,
        ctx.links.keys,
        link,
        now=ctx.clock.now(),
        command=action,
        subject=("partner", subject_id),
        roles=roles,
    )


def refused_if(command: str, problem: str) -> None:
    """One line and exit 1, after the transaction (the refusal stays audited)."""
    if problem:
        errors.print(f"{command}: refused: {problem}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
