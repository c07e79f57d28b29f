"""``partnerflow candidates``: companies that want to become resellers, judged on import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session

from partnerflow.cli.input_files import read_rows
from partnerflow.cli.output import console, errors, friendly_errors, print_json
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.lifecycle.admission import candidates, import_candidates
from partnerflow.models import CandidateStatus

app = typer.Typer(help="Candidate resellers and their admission.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command("import")
@friendly_errors
def import_file(file: Path, as_json: JsonFlag = False) -> None:
    """Import FILE (CSV or JSON: name, siren, departement, sector, sales_staff, certified_staff,
    contact_email, locale) and judge each candidate by the partner_admission policy; proposed
    ones wait for partner-admission. A bad row is named and skipped."""
    rows = read_rows(file)
    ctx = context()
    today = ctx.clock.today()
    band = ctx.policy("rebalancing", today).document.thresholds.resellers_per_territory
    with session_scope() as session:
        report = import_candidates(
            session,
            rows,
            policy=ctx.policy("partner_admission", today),
            min_resellers=int(band.min),
            now=ctx.clock.now(),
        )
    if as_json:
        print_json(
            {
                "judged": dict(report.judged),
                "unchanged": report.unchanged,
                "refused_rows": report.refused_rows,
            }
        )
        return
    for number, reasons in report.refused_rows:
        errors.print(f"{file}: row {number}: {reasons}", markup=False, highlight=False, soft_wrap=True)
    judged = (
        ", ".join(f"{count} {outcome}" for outcome, count in sorted(report.judged.items())) or "none judged"
    )
    console.print(f"{judged}; {report.unchanged} already decided; {len(report.refused_rows)} row(s) refused")


@app.command("list")
@friendly_errors
def list_candidates(
    status: Annotated[CandidateStatus | None, typer.Option(help="Only candidates in this state.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Every candidate, its state and the policy's reason."""
    with Session(get_engine()) as session:
        found = candidates(session, status)
        rows = [
            {
                "id": c.id,
                "name": c.name,
                "siren": c.siren,
                "departement": c.departement,
                "status": c.status.value,
                "rule": c.rule_id,
                "reason": c.reason,
                "partner_id": c.partner_id,
            }
            for c in found
        ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} candidate(s)")
    for column in ("id", "company", "dép.", "status", "reason"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            f"{row['name']} ({row['siren']})",
            str(row["departement"]),
            str(row["status"]),
            str(row["reason"]),
        )
    console.print(table)
