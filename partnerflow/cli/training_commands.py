"""``partnerflow training``: partners' courses and certifications in, the ones lapsing out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session

from partnerflow.cli.input_files import read_rows
from partnerflow.cli.output import console, errors, friendly_errors, print_json
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.health import expiring, import_training

app = typer.Typer(help="Training and certification records.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command("import")
@friendly_errors
def import_file(file: Path, as_json: JsonFlag = False) -> None:
    """Import FILE (CSV or JSON: partner_id, course, kind, completed_on, expires_on); a bad row
    is named and skipped, the same file twice adds nothing."""
    rows = read_rows(file)
    with session_scope() as session:
        report = import_training(session, rows, now=context().clock.now())
    if as_json:
        print_json({"added": report.added, "already_known": report.already_known, "refused": report.refused})
        return
    for number, reasons in report.refused:
        errors.print(f"{file}: row {number}: {reasons}", markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"{report.added} record(s) added, {report.already_known} already known, {len(report.refused)} refused"
    )


@app.command("expiring")
@friendly_errors
def list_expiring(
    within_days: Annotated[int, typer.Option(min=0, max=3660, help="Lapsing within this many days.")] = 60,
    as_json: JsonFlag = False,
) -> None:
    """Certifications of active partners that lapse soon (or lapsed and were not renewed)."""
    with Session(get_engine()) as session:
        found = expiring(session, today=context().clock.today(), within=timedelta(days=within_days))
    if as_json:
        print_json([item.__dict__ for item in found])
        return
    table = Table(title=f"{len(found)} certification(s) lapsing within {within_days} days")
    for column in ("partner", "certification", "expires"):
        table.add_column(column)
    for item in found:
        table.add_row(f"{item.partner_name} ({item.partner_id})", item.course, str(item.expires_on))
    console.print(table)
