"""``partnerflow customers`` and ``partnerflow referrals``: the referral programme's customers,
and who may sponsor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table
from sqlmodel import Session

from partnerflow.cli.input_files import read_rows
from partnerflow.cli.output import console, errors, friendly_errors, print_json
from partnerflow.cli.progress import step
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.orchestration.prefect_api import PrefectUnavailable, start_run
from partnerflow.referrals import count_won_deals, import_customers, judge_sponsors
from partnerflow.referrals.codes import unknown_codes
from partnerflow.referrals.invitations import launch_gate, referral_details, referrals_with_sponsors
from partnerflow.referrals.pilot import programme_stage
from partnerflow.referrals.report import figures_table, referral_figures, write_figures

customers_app = typer.Typer(help="The vendor's end customers (referral programme).", no_args_is_help=True)
referrals_app = typer.Typer(help="The customer referral programme.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
SHORT_HEADERS = (
    "cohort",
    "month",
    "invited",
    "visits",
    "referred",
    "converted",
    "conv.",
    "rewards",
    "margin",
)


@customers_app.command("import")
@friendly_errors
def import_file(file: Path, as_json: JsonFlag = False) -> None:
    """Import FILE (CSV or JSON: name, siren, domain, email, locale, first_purchase_on,
    last_purchase_on, purchases, revenue, satisfaction 0-10, iban, bic), then count the deals partners won
    per company; a bad row is named and skipped."""
    rows = read_rows(file)
    now = context().clock.now()
    with step(f"importing {len(rows)} customer row(s)"), session_scope() as session:
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


@referrals_app.command("invite")
@friendly_errors
def invite() -> None:
    """Start referral-invitations now (the launch gate, the pilot's size and end, and the
    programme owner's decision apply)."""
    try:
        run_id = start_run("referral-invitations/referral-invitations", {})
    except PrefectUnavailable as unavailable:
        errors.print(str(unavailable), soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"referral-invitations started: run {run_id}")


@referrals_app.command("gate")
@friendly_errors
def gate(as_json: JsonFlag = False) -> None:
    """Whether the launch gate is open today, and why not."""
    ctx = context()
    today = ctx.clock.today()
    with Session(get_engine()) as session:
        found = launch_gate(session, ctx.policy("referral_programme", today), today)
    if as_json:
        print_json(found.__dict__)
        return
    average = f"{found.average_satisfaction:.1f}/10" if found.average_satisfaction is not None else "unknown"
    console.print(
        f"launch gate {'open' if found.open else 'closed'}: average satisfaction {average}, "
        f"{found.quiet_share:.0%} of customers quiet"
    )
    for reason in found.reasons:
        console.print(f"  - {reason}", markup=False)


@referrals_app.command("list")
@friendly_errors
def list_referrals(as_json: JsonFlag = False) -> None:
    """Every referral: the referred company, its sponsor, its state."""
    with Session(get_engine()) as session:
        rows = [
            {
                "id": referral.id,
                "company": referral.company,
                "customer_key": referral.customer_key,
                "sponsor": sponsor,
                "status": referral.status.value,
                "created_at": referral.created_at.isoformat(),
            }
            for referral, sponsor in referrals_with_sponsors(session)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} referral(s)")
    for column in ("id", "company", "sponsor", "status"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row["id"]), str(row["company"]), str(row["sponsor"]), str(row["status"]))
    console.print(table)


@referrals_app.command("show")
@friendly_errors
def show(referral_id: Annotated[int, typer.Argument(min=1, max=2**62)], as_json: JsonFlag = False) -> None:
    """One referral: the referred company, its sponsor, the qualifying deal, fraud flags, rewards."""
    with Session(get_engine()) as session:
        found = referral_details(session, referral_id)
    if found is None:
        errors.print(f"no referral {referral_id}")
        raise typer.Exit(1)
    if as_json:
        print_json(found)
        return
    console.print(
        f"referral {referral_id}: {found['company']} ({found['customer_key']}), sponsor {found['sponsor']}, "
        f"{found['status']}" + (f", deal {found['registration_id']}" if found["registration_id"] else ""),
        markup=False,
        highlight=False,
    )
    for flag in found["flags"]:
        console.print(f"  flag: {flag}", markup=False, highlight=False)
    for reward in found["rewards"]:
        console.print(
            f"  {reward['side']}: {reward['amount']} {reward['currency']} {reward['status']}, payable from "
            f"{reward['payable_from']} ({reward['explanation']})",
            markup=False,
            highlight=False,
        )


@referrals_app.command("report")
@friendly_errors
def report(as_json: JsonFlag = False) -> None:
    """Conversion against the bar and the break-even, per cohort and month; writes
    referrals-<day>.html (charts) and .csv under the reports folder."""
    ctx = context()
    today = ctx.clock.today()
    policy = ctx.policy("referral_programme", today)
    with step("counting the referrals"), Session(get_engine()) as session:
        figures = referral_figures(session, policy, as_of=today)
        stage = programme_stage(session, policy)
        page = write_figures(ctx.settings.reports_dir, figures)
    if as_json:
        print_json({**figures.as_dict(), "stage": stage.name, "html": str(page)})
        return
    ends = f" (ends {stage.pilot_ends_on})" if stage.name == "pilot" else ""
    console.print(f"stage: {stage.name}{ends}; bar {figures.target_conversion:.0%}", markup=False)
    for verdict in figures.verdicts:
        mark = "meets the bar" if verdict.meets_bar else "does not meet the bar"
        console.print(
            f"{verdict.cohort}: {mark}: {verdict.reason}; break-even {verdict.break_even_note}",
            markup=False,
            highlight=False,
        )
    table = Table(
        title=f"Referrals as of {today}",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
        collapse_padding=True,
    )
    for column in SHORT_HEADERS:
        table.add_column(
            column, min_width=len(column), justify="left" if column in ("cohort", "month") else "right"
        )
    for row in figures_table(figures):
        table.add_row(*row.values())
    console.print(table)
    console.print(f"report: {page} (and .csv)", markup=False, highlight=False)


@referrals_app.command("codes")
@friendly_errors
def codes(as_json: JsonFlag = False) -> None:
    """Deal registrations quoting a referral code that no sponsor holds (a typo to ask about)."""
    with Session(get_engine()) as session:
        found = unknown_codes(session)
    if as_json:
        print_json([{"registration_id": rid, "code": code, "customer": name} for rid, code, name in found])
        return
    console.print(f"{len(found)} registration(s) quote an unknown referral code")
    for registration_id, code, name in found:
        console.print(f"  registration {registration_id}: {code} ({name})", markup=False, highlight=False)
