"""``partnerflow review``: what waits for a decision, and deciding from the terminal."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session, col, select

from partnerflow.cli.approval_commands import (
    Code,
    Comment,
    OnBehalfOf,
    OperatorLink,
    Reason,
    Relay,
    answer_and_wake,
)
from partnerflow.cli.output import RecordId, console, friendly_errors, print_json
from partnerflow.clock import programme_date
from partnerflow.context import context
from partnerflow.db import get_engine
from partnerflow.models import OPEN_STATUSES, Registration
from partnerflow.registration.review import review_subject
from partnerflow.settings import get_settings

app = typer.Typer(help="Pending reviews of deal registrations.", no_args_is_help=True)


@app.command("list")
@friendly_errors
def list_reviews(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Open reviews: age, level, approvals needed, and when the SLA acts next."""
    ctx = context()
    settings = get_settings()
    now = ctx.clock.now()
    with Session(get_engine()) as session:
        rows = list(
            session.exec(
                select(Registration)
                .where(col(Registration.status).in_(OPEN_STATUSES))
                .order_by(col(Registration.review_requested_at))
            )
        )
    reviews = []
    for row in rows:
        requested = row.review_requested_at or row.submitted_at
        sla = ctx.policy("deal_registration", programme_date(row.submitted_at)).document.review_sla
        step, due = ("reminder", requested + sla.remind_after)
        if row.reminded_at:
            step, due = ("escalation", requested + sla.escalate_after)
        if row.escalated_at:
            step, due = (f"final timeout ({sla.on_final_timeout})", requested + sla.final_timeout)
        reviews.append(
            {
                "registration_id": row.id,
                "customer": row.customer_name,
                "status": row.status.value,
                "level": row.review_level,
                "approvers_required": row.approvers_required,
                "age_hours": round((now - requested).total_seconds() / 3600, 1),
                "next_sla_step": step,
                "sla_due": due.isoformat(timespec="minutes"),
                "url": f"{settings.prefect_ui_url}/runs/flow-run/{row.flow_run_id}"
                if row.flow_run_id
                else None,
            }
        )
    if as_json:
        print_json(reviews)
        return
    table = Table(title=f"{len(reviews)} open review(s)")
    for column in ("id", "customer", "status", "level", "approvals", "age (h)", "next SLA step", "due"):
        table.add_column(column)
    for review in reviews:
        table.add_row(
            str(review["registration_id"]),
            str(review["customer"]),
            str(review["status"]),
            str(review["level"]),
            str(review["approvers_required"]),
            str(review["age_hours"]),
            str(review["next_sla_step"]),
            str(review["sla_due"]),
        )
    console.print(table)


@app.command()
@friendly_errors
def decide(
    registration_id: RecordId,
    approve: Annotated[bool, typer.Option("--approve")] = False,
    reject: Annotated[bool, typer.Option("--reject")] = False,
    request_info: Annotated[bool, typer.Option("--request-info")] = False,
    code: Code = "",
    on_behalf_of: OnBehalfOf = "",
    reason: Reason = "",
    operator_link: OperatorLink = "",
    comment: Comment = "",
) -> None:
    """Answer a review with the code from your e-mail (or, as an operator, for someone else)."""
    chosen = [
        name
        for name, flag in (("approve", approve), ("reject", reject), ("request-info", request_info))
        if flag
    ]
    if len(chosen) != 1:
        raise typer.BadParameter("give exactly one of --approve, --reject, --request-info")
    relay = Relay(on_behalf_of, reason, operator_link)
    answer_and_wake(review_subject(registration_id), chosen[0], comment, code, relay)
