"""``partnerflow audit``: seal the audit trail's new events and check that nothing sealed changed."""

from __future__ import annotations

import typer

from partnerflow.audit_chain import seal, verify
from partnerflow.cli.output import console, errors, friendly_errors
from partnerflow.context import context
from partnerflow.db import session_scope

app = typer.Typer(help="The audit trail, sealed as a hash chain.", no_args_is_help=True)


@app.command("verify")
@friendly_errors
def verify_command() -> None:
    """Recompute the chain from the first event: exit 0 when every sealed event is as sealed,
    else one line naming each row that was changed, deleted or inserted (exit 1)."""
    with session_scope() as session:
        problems = verify(session, context().links.keys)
    for problem in problems:
        errors.print(problem, markup=False, highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(1)
    console.print("the audit trail is intact up to its last seal")


@app.command("seal")
@friendly_errors
def seal_command() -> None:
    """Seal the events settled since the last seal (the audit-seal deployment does it every 10 minutes)."""
    ctx = context()
    with session_scope() as session:
        report = seal(session, ctx.links.keys, now=ctx.clock.now())
    console.print(f"sealed {report.sealed} events (up to event {report.last_event_id})")
