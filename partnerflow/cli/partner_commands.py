"""``partnerflow partners``: removing a partner, decided by a channel manager with their code."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from partnerflow.cli.output import console, errors, friendly_errors
from partnerflow.contacts import assign_manager
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.health.removal import RemovalRefused, ask_removal
from partnerflow.models import AttritionCause
from partnerflow.orchestration.prefect_api import PrefectUnavailable, start_run

app = typer.Typer(help="Partners of the programme.", no_args_is_help=True)


@app.command()
@friendly_errors
def manager(
    departement: Annotated[str, typer.Argument(help="The département's INSEE code, e.g. 69")],
    email: Annotated[str, typer.Argument(help="An active channel manager's e-mail")],
) -> None:
    """Make EMAIL the contact of DEPARTEMENT's partners: every e-mail to them names this person."""
    try:
        with session_scope() as session:
            changed = assign_manager(
                session, departement.upper(), email, actor=f"operator:{getpass.getuser()}"
            )
    except LookupError as problem:
        errors.print(str(problem).strip("'\""), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(changed, markup=False, highlight=False)


@app.command()
@friendly_errors
def remove(
    partner_id: Annotated[int, typer.Argument(min=1, max=2**62)],
    cause: Annotated[AttritionCause, typer.Option(help="Which of the six causes of attrition.")],
    reason: Annotated[str, typer.Option(help="Why, in a sentence (kept with the exit).")],
) -> None:
    """Ask the channel managers to remove PARTNER_ID: each gets a link and code; nothing changes
    until one of them confirms (the remove-partner run waits for it)."""
    ctx = context()
    try:
        with session_scope() as session:
            removal = ask_removal(
                session,
                partner_id,
                cause,
                reason,
                requested_by=f"operator:{getpass.getuser()}",
                now=ctx.clock.now(),
            )
            removal_id = removal.id
    except RemovalRefused as refused:
        errors.print(str(refused), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    try:
        run_id = start_run("remove-partner/remove-partner", {"removal_id": removal_id})
    except PrefectUnavailable as unavailable:
        errors.print(
            f"removal {removal_id} recorded, but {unavailable}; then: "
            f"prefect deployment run remove-partner/remove-partner -p removal_id={removal_id}",
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    console.print(f"removal {removal_id} asked: the channel managers decide (run {run_id})")
