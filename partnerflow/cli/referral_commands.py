"""``partnerflow customers`` and ``partnerflow referrals``: the referral programme's customers,
and who may sponsor."""

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
from partnerflow.referrals import count_won_deals, import_customers, judge_sponsors

customers_app = typer.Typer(help="The vendor's end customers (referral programme).", no_args_is_help=True)
referrals_app = typer.Typer(help="The customer referral programme.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@customers_app.command("import")
@friendly_errors
def import_file(file: Path, as_json: JsonFlag = False) -> None:
    """Import FILE (CSV or JSON: name, siren, domain, email, locale, first_purchase_on,
    last_purchase_on, purchases, revenue, satisfaction 0-10), then count the deals partners won
    per company; a bad row is named and skipped."""
    rows = read_rows(file)
    now = context().clock.now()
    with session_scope() as session:
        report = import_customers(session, rows, now=now)
        from_deals = count_won_deals(session, now=now)
    if as_json:
        print_json(
            {
                "added": report.added,
                "updated": report.updated,
                "from_deals": from_deals,
                "refused": report.refused,
            }
        )
        return
    for number, reasons in report.refused:
        errors.print(f"{file}: row {number}: {reasons}", markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"{report.added} customer(s) added, {report.updated} updated, {from_deals} from won deals, "
        f"{len(report.refused)} row(s) refused"
    )


@referrals_app.command("sponsors")
@friendly_errors
def sponsors(
    all_customers: Annotated[
        bool, typer.Option("--all", help="Show the customers who may not, with why.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """The customers who may sponsor others today (referral_programme policy in force)."""
    ctx = context()
    today = ctx.clock.today()
    with Session(get_engine()) as session:
        decided = judge_sponsors(
            session, ctx.policy("referral_programme", today), today, eligible_only=not all_customers
        )
    if as_json:
        print_json([decision.__dict__ for decision in decided])
        return
    table = Table(title=f"{sum(d.eligible for d in decided)} possible sponsor(s)")
    for column in ("id", "customer", "sponsor", "why"):
        table.add_column(column)
    for decision in decided:
        table.add_row(
            str(decision.customer_id), decision.name, "yes" if decision.eligible else "no", decision.reason
        )
    console.print(table)
