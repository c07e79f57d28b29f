"""``partnerflow leads import`` and ``partnerflow rebalance``: lead data in, proposals out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlmodel import Session

from partnerflow.cli import lead_distribution_commands
from partnerflow.cli.output import console, errors, friendly_errors, print_json
from partnerflow.cli.progress import step
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.leads.history_import import LeadFileError, import_lead_file
from partnerflow.rebalancing.proposals import judged_on, plan_rebalancing
from partnerflow.rebalancing.years import year_refusal

app = typer.Typer(
    help="Leads: take them in, offer them to resellers, see why; import history from another system.",
    no_args_is_help=True,
)
app.command("submit")(lead_distribution_commands.submit)
app.command("distribute")(lead_distribution_commands.distribute)
app.command("show")(lead_distribution_commands.show)
app.command("simulate")(lead_distribution_commands.simulate)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command("import")
@friendly_errors
def import_leads(file: Path, as_json: JsonFlag = False) -> None:
    """Import lead history from another system, FILE.csv (columns in the README); bad rows are
    reported, not imported."""
    total = _count_rows(file)
    try:
        with (
            Progress(
                TextColumn("importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=errors,
                disable=as_json or total < 20_000,
            ) as progress,
            session_scope() as session,
        ):
            task = progress.add_task("rows", total=total)
            report = import_lead_file(
                session, file, now=context().clock.now(), progress=lambda n: progress.advance(task, n)
            )
    except LeadFileError as error:
        errors.print(f"nothing imported: {error}", soft_wrap=True, markup=False)
        raise typer.Exit(1) from None
    if as_json:
        print_json(report.as_dict())
        return
    console.print(
        f"{report.rows} row(s): {report.leads_added} new lead(s), {report.events_added} new event(s), "
        f"{report.already_known} already known, {len(report.rejected)} rejected"
    )
    for line, reason in report.rejected[:50]:
        errors.print(f"{file}:{line}: {reason}", soft_wrap=True, markup=False, highlight=False)
    if len(report.rejected) > 50:
        errors.print(f"... and {len(report.rejected) - 50} more (use --json for all)")


def _count_rows(file: Path) -> int:
    try:
        with file.open("rb") as handle:
            return max(0, sum(1 for _ in handle) - 1)
    except OSError:
        return 0


@friendly_errors
def rebalance(
    year: Annotated[
        int, typer.Option(min=2000, max=2100, help="The year to judge (leads received that year).")
    ],
    partial_year: Annotated[
        bool, typer.Option(help="Judge the current year so far (it is not over).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Print the year's proposals per reseller and département without applying anything."""
    with Session(get_engine()) as session:
        refusal = year_refusal(session, year, today=context().clock.today(), partial_year=partial_year)
    if refusal is not None:
        raise typer.BadParameter(refusal, param_hint="--year")
    policy = context().policy("rebalancing", judged_on(year))
    with step(f"judging {year}'s leads"), Session(get_engine()) as session:
        plan = plan_rebalancing(session, year, policy)
    if as_json:
        print_json({"policy": policy.stamp.version, **plan.as_dict()})
        return
    table = Table(title=f"Rebalancing {year} (policy {policy.stamp.version}): proposals, nothing applied")
    for column in ("id", "reseller", "dépt", "leads", "opened", "processed", "closed", "proposal", "rule"):
        table.add_column(column)
    for p in plan.resellers:
        k = p.kpis
        table.add_row(
            str(k.partner_id),
            k.name,
            k.departement,
            str(k.leads),
            f"{k.open_rate:.0%}",
            f"{k.processing_rate:.0%}",
            f"{k.closing_rate:.0%}",
            p.outcome,
            p.rule_id,
        )
    console.print(table)
    coverage = Table(title="Départements")
    for column in ("dépt", "active after", "leads a reseller", "recommendation", "why"):
        coverage.add_column(column)
    for c in plan.coverage:
        coverage.add_row(
            f"{c.departement} {c.name}",
            str(c.active_after),
            str(c.leads_per_reseller_after),
            c.recommendation,
            c.detail,
        )
    console.print(coverage)
