"""``partnerflow partners``: loading the partner file, a département's channel manager, and
removing a partner (decided by a channel manager with their code). Each change is the act of a
proven person of the team (``--operator-link``, see ``partnerflow.approvals.operators``),
audited under their address."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from partnerflow.approvals.operators import operator_or_refusal
from partnerflow.cli import api_key_commands, contact_commands
from partnerflow.cli.approval_commands import OperatorLink
from partnerflow.cli.decision_runs import start_decision_run
from partnerflow.cli.input_files import read_rows
from partnerflow.cli.output import console, errors, friendly_errors
from partnerflow.cli.reference_files import said_loaded, write_export
from partnerflow.contacts import assign_manager
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.lifecycle.reactivation import ReactivationRefused
from partnerflow.lifecycle.reactivation import reactivate as reactivate_partner
from partnerflow.lifecycle.removal import RemovalRefused, ask_removal
from partnerflow.models import AttritionCause, Role
from partnerflow.reference_data.partners import COLUMNS, export_partners, import_partners

app = typer.Typer(help="Partners of the programme.", no_args_is_help=True)
app.add_typer(api_key_commands.app, name="api-key")
app.add_typer(contact_commands.app, name="contacts")
ASSIGNS_MANAGERS = frozenset({Role.CHANNEL_DIRECTOR, Role.CHANNEL_OPS, Role.PROGRAMME_OWNER})
REACTIVATES = frozenset({Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR})


def refused(reason: str) -> typer.Exit:
    """Say why on one line; the caller raises the exit after its transaction (audit kept)."""
    errors.print(reason, markup=False, soft_wrap=True)
    return typer.Exit(1)


@app.command("import")
@friendly_errors
def import_file(
    file: Path,
    operator_link: OperatorLink = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Load the partner file FILE (CSV or JSON: name, siren, departement, tier, certified, locale,
    contact_email, contact_name, iban, bic, joined_on). A partner is known by its SIREN; a file
    never changes where a known partner is paid. One refused row and nothing is stored. Done by
    a channel director, channel operations or the programme owner (--operator-link)."""
    rows = read_rows(file)
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        operator = operator_or_refusal(
            session,
            ctx.links.keys,
            operator_link,
            now=now,
            command="partners import",
            subject=("partners", str(file)),
            roles=ASSIGNS_MANAGERS,
        )
        report = (
            None
            if isinstance(operator, str)
            else import_partners(session, rows, actor=f"operator:{operator.email}", now=now)
        )
    if report is None:
        raise refused(f"partners import: refused: {operator}")
    said_loaded(str(file), report, as_json=as_json)


@app.command()
@friendly_errors
def export(file: Annotated[Path | None, typer.Argument(help="Write here; else print.")] = None) -> None:
    """Every partner not removed, in the import's columns: the file to edit and load again."""
    with Session(get_engine()) as session:
        rows = export_partners(session)
    write_export(file, rows, COLUMNS, "partners")


@app.command()
@friendly_errors
def manager(
    departement: Annotated[str, typer.Argument(help="The département's INSEE code, e.g. 69")],
    email: Annotated[str, typer.Argument(help="An active channel manager's e-mail")],
    operator_link: OperatorLink = "",
) -> None:
    """Make EMAIL the contact of DEPARTEMENT's partners: every e-mail to them names this person.
    Done by a channel director, channel operations or the programme owner, proven by
    --operator-link (partnerflow approvals operator-link ME)."""
    ctx = context()
    try:
        with session_scope() as session:
            operator = operator_or_refusal(
                session,
                ctx.links.keys,
                operator_link,
                now=ctx.clock.now(),
                command="partners manager",
                subject=("territory", departement.upper()),
                roles=ASSIGNS_MANAGERS,
            )
            if isinstance(operator, str):
                changed = None
            else:
                changed = assign_manager(
                    session,
                    departement.upper(),
                    email,
                    actor=f"operator:{operator.email}",
                    now=ctx.clock.now(),
                )
    except LookupError as problem:
        errors.print(str(problem).strip("'\""), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if changed is None:
        raise refused(f"partners manager: refused: {operator}")
    console.print(changed, markup=False, highlight=False)


@app.command()
@friendly_errors
def remove(
    partner_id: Annotated[int, typer.Argument(min=1, max=2**62)],
    cause: Annotated[AttritionCause, typer.Option(help="Which of the six causes of attrition.")],
    reason: Annotated[str, typer.Option(help="Why, in a sentence (kept with the exit).")],
    operator_link: OperatorLink = "",
) -> None:
    """Ask the channel managers to remove PARTNER_ID: each gets a link and code; nothing changes
    until one of them confirms (the remove-partner run waits for it). The request names the
    person of the team who asked, proven by --operator-link (partnerflow approvals operator-link ME)."""
    ctx = context()
    try:
        with session_scope() as session:
            operator = operator_or_refusal(
                session,
                ctx.links.keys,
                operator_link,
                now=ctx.clock.now(),
                command="partners remove",
                subject=("partner", partner_id),
            )
            if isinstance(operator, str):
                removal_id = None
            else:
                removal = ask_removal(
                    session,
                    partner_id,
                    cause,
                    reason,
                    requested_by=f"operator:{operator.email}",
                    now=ctx.clock.now(),
                )
                removal_id = removal.id
    except RemovalRefused as refusal:
        errors.print(str(refusal), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if removal_id is None:
        raise refused(f"partners remove: refused: {operator}")
    run_id = start_decision_run(
        "remove-partner/remove-partner", "removal_id", removal_id, recorded=f"removal {removal_id} recorded"
    )
    console.print(f"removal {removal_id} asked: the channel managers decide (run {run_id})")


@app.command()
@friendly_errors
def reactivate(
    partner_id: Annotated[int, typer.Argument(min=1, max=2**62)],
    reason: Annotated[str, typer.Option(help="Why it comes back, in a sentence (kept, audited).")],
    operator_link: OperatorLink = "",
) -> None:
    """Make a reseller the rebalancing paused active again: it is offered leads and judged from
    now on. Done by a channel manager (or director), proven by --operator-link
    (partnerflow approvals operator-link ME)."""
    ctx = context()
    now = ctx.clock.now()
    try:
        with session_scope() as session:
            operator = operator_or_refusal(
                session,
                ctx.links.keys,
                operator_link,
                now=now,
                command="partners reactivate",
                subject=("partner", partner_id),
                roles=REACTIVATES,
            )
            if isinstance(operator, str):
                partner = None
            else:
                partner = reactivate_partner(
                    session, partner_id, reason=reason, actor=f"operator:{operator.email}", now=now
                )
                name = partner.name
    except ReactivationRefused as refusal:
        errors.print(str(refusal), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if partner is None:
        raise refused(f"partners reactivate: refused: {operator}")
    console.print(f"partner {partner_id} ({name}) is active again", markup=False)
