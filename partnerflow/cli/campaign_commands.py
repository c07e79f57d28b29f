"""``partnerflow campaigns``: request a campaign from a file, and see where its sign-off stands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session, col, select

from partnerflow.campaigns.intake import take_in_campaign
from partnerflow.campaigns.signoffs import remember_signoff_runs
from partnerflow.cli.input_files import read_rows
from partnerflow.cli.output import RecordId, console, errors, friendly_errors, print_json
from partnerflow.clock import programme_date
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.models import Campaign, SignOff
from partnerflow.orchestration.prefect_api import PrefectUnavailable, start_run

app = typer.Typer(help="Discount campaigns: request and follow their sign-off.", no_args_is_help=True)


@app.command()
@friendly_errors
def submit(file: Path, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Request the campaign(s) in FILE (JSON object or list); a sign-off run starts per required role."""
    ctx = context()
    results = []
    for raw in read_rows(file):
        now = ctx.clock.now()
        with session_scope() as session:
            result = take_in_campaign(
                session,
                raw,
                now=now,
                policy=ctx.policy("discount_campaign", programme_date(now)),
            )
        runs: dict[str, str] = {}
        for role in result.required_roles if result.status == "awaiting-signoff" else ():
            try:
                runs[role] = start_run(
                    "campaign-signoff/campaign-signoff", {"campaign_id": result.campaign_id, "role": role}
                )
            except PrefectUnavailable as reason:
                errors.print(
                    f"campaign {result.campaign_id}: sign-off run for {role} not started: {reason}",
                    soft_wrap=True,
                )
                break
        with session_scope() as session:
            remember_signoff_runs(session, result.campaign_id, runs)
        results.append({**result.as_dict(), "signoff_runs": runs})
    if as_json:
        print_json(results)
        return
    for row in results:
        detail = "; ".join(row["problems"]) or row["reason"] or ", ".join(row["required_roles"])
        console.print(f"campaign {row['campaign_id']}: {row['status']} — {detail}", highlight=False)


@app.command()
@friendly_errors
def status(campaign_id: RecordId, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Each sign-off (who, when, what) and the roles still to sign."""
    with Session(get_engine()) as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            errors.print(f"campaign {campaign_id} does not exist")
            raise typer.Exit(1)
        signoffs = list(
            session.exec(
                select(SignOff).where(SignOff.campaign_id == campaign_id).order_by(col(SignOff.decided_at))
            )
        )
    pending = [role for role in campaign.required_roles if role not in {s.role for s in signoffs}]
    if as_json:
        print_json(
            {
                "campaign_id": campaign_id,
                "name": campaign.name,
                "status": campaign.status.value,
                "required_roles": campaign.required_roles,
                "pending_roles": pending,
                "reason": campaign.reason,
                "problems": campaign.problems,
                "signoffs": [s.model_dump(exclude={"id", "campaign_id"}) for s in signoffs],
            }
        )
        return
    console.print(
        f"[bold]Campaign #{campaign_id} {campaign.name}[/bold]: {campaign.status.value}"
        + (f" — {campaign.reason}" if campaign.reason else "")
    )
    table = Table()
    for column in ("role", "signer", "when", "decision", "details", "comment"):
        table.add_column(column)
    for signoff in signoffs:
        details = ", ".join(f"{k}={v}" for k, v in signoff.details.items())
        table.add_row(
            signoff.role,
            signoff.signer_email,
            signoff.decided_at.isoformat(timespec="minutes"),
            signoff.decision,
            details,
            signoff.comment,
        )
    for role in pending:
        table.add_row(role, "", "", "[yellow]pending[/yellow]", "", "")
    console.print(table)
