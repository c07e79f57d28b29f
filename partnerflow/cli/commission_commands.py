"""``partnerflow commissions``: statements of a period, how a deal's commission was computed, settle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlmodel import Session

from partnerflow.cli.output import RecordId, console, errors, friendly_errors, print_json
from partnerflow.commissions.accrual import accrual_exceptions
from partnerflow.commissions.periods import Period, settlement_refusal
from partnerflow.commissions.settlement import save_payment_files, stored_payment
from partnerflow.commissions.statements import explain_deal, period_report
from partnerflow.context import context
from partnerflow.db import get_engine
from partnerflow.orchestration.prefect_api import PrefectUnavailable, start_run
from partnerflow.settings import get_settings

app = typer.Typer(help="Commission statements, explanations and settlement.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


@app.command()
@friendly_errors
def statements(
    period: Annotated[str, typer.Option(help="The settled month, YYYY-MM.")],
    as_json: JsonFlag = False,
) -> None:
    """The period's settlement: its batch, and each partner's statement with every line."""
    with Session(get_engine()) as session:
        report = period_report(session, _period(period))
    if as_json:
        print_json(report)
        return
    batch = report["batch"]
    if batch is None:
        console.print(f"{period}: not settled yet (run `partnerflow commissions settle --period {period}`)")
        return
    console.print(
        f"[bold]{period}[/bold]: {batch['status']}, {batch['total']} {batch['currency']}, "
        f"payment {batch['payment_id'] or '-'} (plan {batch['plan_version']})"
    )
    for statement in report["statements"]:
        _print_statement(statement)
    for title, key in (("held back", "held_back"), ("carried forward", "carried_forward")):
        for entry in batch[key]:
            errors.print(
                f"{title}: {entry['partner_name']} {entry['net']} — {entry['reason']}", soft_wrap=True
            )


def _print_statement(statement: dict[str, Any]) -> None:
    table = Table(
        title=f"{statement['partner_name']}: net {statement['net']} {statement['currency']} "
        f"({statement['status']}, ref {statement['payment_reference']})"
    )
    for column in ("deal", "customer", "kind", "closed", "deal amount", "commission"):
        table.add_column(column, justify="right" if column in ("deal amount", "commission") else "left")
    for line in statement["lines"]:
        table.add_row(
            str(line["registration_id"]),
            line["customer_name"],
            line["kind"],
            line["closed_on"],
            str(line["deal_amount"]),
            str(line["amount"]),
        )
    console.print(table)


@app.command()
@friendly_errors
def explain(registration_id: RecordId, as_json: JsonFlag = False) -> None:
    """How a deal's commission was computed: each line, its plan, its steps and its statement."""
    with Session(get_engine()) as session:
        try:
            report = explain_deal(session, registration_id)
        except LookupError as error:
            errors.print(str(error))
            raise typer.Exit(1) from None
    if as_json:
        print_json(report)
        return
    console.print(
        f"[bold]Deal {registration_id}[/bold] {report['customer_name']}: {report['status']}, "
        f"closed {report['closed_on'] or '-'} for {report['closed_amount'] or '-'}"
    )
    if not report["lines"]:
        console.print("no commission line (not won, excluded by the plan, or not accrued yet)")
    for line in report["lines"]:
        console.print(
            f"- {line['kind']} {line['amount']} {line['currency']} ({line['status']}), plan {line['plan']}, "
            f"payable from {line['payable_from']}, statement {line['statement'] or '-'}",
            highlight=False,
        )
        for step in line["explanation"]:
            console.print(f"    {step}", highlight=False)


@app.command()
@friendly_errors
def settle(period: Annotated[str | None, typer.Option(help="YYYY-MM; default last month.")] = None) -> None:
    """Start the commission-settlement deployment now (finance approves in the UI if needed);
    only for a month that has ended."""
    if period:
        refusal = settlement_refusal(_period(period), context().clock.today())
        if refusal is not None:
            raise typer.BadParameter(refusal, param_hint="--period")
    parameters = {"period": str(_period(period))} if period else {}
    try:
        run_id = start_run("commission-settlement/commission-settlement", parameters)
    except PrefectUnavailable as reason:
        errors.print(str(reason), soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"commission-settlement started: run {run_id}")


@app.command("payment-file")
@friendly_errors
def payment_file(
    period: str,
    to: Annotated[Path | None, typer.Option(help="Folder to write to; default PAYMENTS_DIR/PERIOD.")] = None,
) -> None:
    """Write a paid period's SEPA pain.001 and CSV from the database (the same bytes on any host)."""
    target = _period(period)
    with Session(get_engine()) as session:
        files = stored_payment(session, target)
    if files is None:
        errors.print(f"{target}: no payment file yet (not settled, or waiting for finance)")
        raise typer.Exit(1)
    xml_path, csv_path = save_payment_files(to or get_settings().payments_dir / str(target), files)
    console.print(f"{target}: {xml_path} and {csv_path} (payment {files.payment_id})")


@app.command()
@friendly_errors
def exceptions(as_json: JsonFlag = False) -> None:
    """Won deals that cannot be priced: set aside by every accrual (the others are paid), with why."""
    with Session(get_engine()) as session:
        found = accrual_exceptions(session, plan_for=context().plan_for, now=context().clock.now())
    if as_json:
        print_json([{"registration_id": item.registration_id, "reason": item.reason} for item in found])
        return
    if not found:
        console.print("no exceptions: every won deal can be priced")
        return
    for item in found:
        console.print(item.reason or "", highlight=False, soft_wrap=True)
