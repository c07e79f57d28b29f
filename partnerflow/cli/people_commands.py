"""``partnerflow people``: the vendor's people, their roles and the départements they look after.

Roles decide who approves money, so every change is the act of a programme owner proven by
``--operator-link`` (``partnerflow approvals operator-link ME``), audited under their address.
On a new install nobody holds the role yet: the first file is loaded without a link (audited as
the bootstrap) and must name a programme owner, who proves every change after it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from partnerflow.approvals.operators import operator_or_refusal
from partnerflow.cli.approval_commands import OperatorLink
from partnerflow.cli.input_files import read_rows
from partnerflow.cli.output import console, errors, friendly_errors
from partnerflow.cli.reference_files import said_loaded, write_export
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.models import Role
from partnerflow.reference_data.people import COLUMNS, active_owners, deactivate, export_people, import_people

app = typer.Typer(help="The vendor's people: roles, languages, départements.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
OWNERS = frozenset({Role.PROGRAMME_OWNER})
BOOTSTRAP = "operator:bootstrap"


@app.command("import")
@friendly_errors
def import_file(file: Path, operator_link: OperatorLink = "", as_json: JsonFlag = False) -> None:
    """Load FILE (CSV or JSON: email, name, roles, locale, manages; roles and départements
    separated by ;). The people it lists become what it says; others are left alone. One
    refused row and nothing is stored."""
    rows = read_rows(file)
    _load(rows, operator_link, as_json, source=str(file))


@app.command()
@friendly_errors
def add(
    email: str,
    name: Annotated[str, typer.Option(help="Their name, as e-mails greet them.")],
    role: Annotated[list[Role], typer.Option(help="Repeatable.")],
    locale: Annotated[str, typer.Option(help="fr or en.")] = "fr",
    manages: Annotated[
        list[str] | None, typer.Option(help="A département they look after; repeatable.")
    ] = None,
    operator_link: OperatorLink = "",
) -> None:
    """Add a person (or make a known one what these options say)."""
    row = {"email": email, "name": name, "roles": [r.value for r in role], "locale": locale}
    _load([{**row, "manages": manages or []}], operator_link, False, source="add")


@app.command("deactivate")
@friendly_errors
def deactivate_person(email: str, operator_link: OperatorLink = "") -> None:
    """EMAIL can no longer sign in, answer or be asked; the départements they looked after go
    back to the first channel manager. The last programme owner cannot be deactivated."""
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        operator = operator_or_refusal(
            session,
            ctx.links.keys,
            operator_link,
            now=now,
            command="people deactivate",
            subject=("person", email),
            roles=OWNERS,
        )
        if isinstance(operator, str):
            said = f"people deactivate: refused: {operator}"
        else:
            try:
                said = deactivate(session, email, actor=f"operator:{operator.email}", now=now)
            except (LookupError, ValueError) as problem:
                said = f"people deactivate: refused: {str(problem).strip(chr(39))}"
    if said.startswith("people deactivate: refused"):
        errors.print(said, markup=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(said, markup=False)


@app.command()
@friendly_errors
def export(file: Annotated[Path | None, typer.Argument(help="Write here; else print.")] = None) -> None:
    """Every active person in the import's columns: the file to edit and load again."""
    with Session(get_engine()) as session:
        rows = export_people(session)
    write_export(file, rows, COLUMNS, "people")


def _load(rows: list[dict[str, object]], operator_link: str, as_json: bool, *, source: str) -> None:
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        if active_owners(session):
            operator = operator_or_refusal(
                session,
                ctx.links.keys,
                operator_link,
                now=now,
                command="people import",
                subject=("people", source),
                roles=OWNERS,
            )
            actor = operator if isinstance(operator, str) else f"operator:{operator.email}"
            refused_operator = isinstance(operator, str)
        else:
            actor, refused_operator = BOOTSTRAP, False
        report = None if refused_operator else import_people(session, rows, actor=actor, now=now)
        if actor == BOOTSTRAP and report is not None and not report.refused and not active_owners(session):
            errors.print(  # raised inside the transaction: nothing of the file is kept
                f"{source}: nobody holds the programme-owner role yet: the first file names one "
                "(who proves every change after it); nothing stored",
                markup=False,
                soft_wrap=True,
            )
            raise typer.Exit(1)
    if report is None:
        errors.print(f"people import: refused: {actor}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    note = " (bootstrap: no programme owner before this file)" if actor == BOOTSTRAP else ""
    said_loaded(source, report, as_json=as_json, note=note)
