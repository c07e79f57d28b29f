"""``partnerflow approvals``: what waits for whom, and answering from the terminal.

An answer from the terminal is as personal as one from the approval page: it needs the code
from the person's e-mail, or it is an operator's explicit act for someone else
(``--on-behalf-of EMAIL --reason TEXT --operator-link LINK``), recorded with the operator as the
actor: the operator proves who they are with a sign-in link mailed to their own address
(``partnerflow approvals operator-link ME``), not with the operating-system user name.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session, col, select

from partnerflow.approvals import (
    Recorded,
    Refused,
    Reply,
    Subject,
    answer_by_code,
    answer_on_behalf,
    declared_kinds,
    read_details,
    refuse,
    unsealer,
    wake_values,
)
from partnerflow.approvals.inbox import request_sign_in
from partnerflow.cli.output import console, errors, friendly_errors, print_json
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.models import ApprovalAnswer, ApprovalRequest
from partnerflow.notify import deliver_pending
from partnerflow.orchestration.prefect_api import PrefectUnavailable, wake_waiting_run
from partnerflow.text import MAX_ID

app = typer.Typer(help="Decisions waiting for people, and answering them.", no_args_is_help=True)

Code = Annotated[str, typer.Option(help="The approval code from your e-mail.")]
OnBehalfOf = Annotated[str, typer.Option("--on-behalf-of", help="Operator only: answer for this person.")]
Reason = Annotated[str, typer.Option(help="Why an operator answers for someone (required with it).")]
OperatorLink = Annotated[
    str,
    typer.Option(
        "--operator-link",
        help="With --on-behalf-of: the sign-in link mailed to you (partnerflow approvals operator-link ME).",
    ),
]
Comment = Annotated[str, typer.Option(help="Reason, or the question for the partner.")]
Fields = Annotated[
    list[str] | None,
    typer.Option(
        "--field",
        help="NAME=VALUE, repeatable: the decision's own fields, as on the approval page "
        "(exclude_from_pause=3,17 or thin_out=8 for a rebalancing, reseller=12 or reason=... for a "
        "lead-handover).",
    ),
]


@app.command("list")
@friendly_errors
def list_requests(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Open decisions: subject, round, role, approvals given and needed, expiry."""
    with Session(get_engine()) as session:
        requests = session.exec(
            select(ApprovalRequest)
            .where(col(ApprovalRequest.closed_at).is_(None))
            .order_by(col(ApprovalRequest.requested_at))
        ).all()
        answers = session.exec(
            select(ApprovalAnswer).where(col(ApprovalAnswer.request_id).in_([r.id for r in requests]))
        ).all()
    rows = [
        {
            "subject": f"{request.subject_kind} {request.subject_id}",
            "round": request.round,
            "role": request.role,
            "approvals": sum(a.request_id == request.id and a.decision == "approve" for a in answers),
            "required": request.approvers_required,
            "expires_at": request.expires_at.isoformat(timespec="minutes"),
        }
        for request in requests
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} open decision(s)")
    for column in rows[0] if rows else ("subject",):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    console.print(table)


@app.command()
@friendly_errors
def decide(
    kind: Annotated[str, typer.Argument(help="The kind of decision: registration, settlement... (see list)")],
    subject_id: Annotated[int, typer.Argument(min=1, max=MAX_ID, help="Its id (the year for a rebalancing)")],
    decision: Annotated[
        str,
        typer.Argument(
            help="approve, reject (request-info: a registration; rollout, extend, stop: the referral "
            "pilot; offer, close: a lead-handover)"
        ),
    ],
    code: Code = "",
    on_behalf_of: OnBehalfOf = "",
    reason: Reason = "",
    operator_link: OperatorLink = "",
    comment: Comment = "",
    field: Fields = None,
) -> None:
    """Answer a decision with your code, or as an operator for someone else."""
    context()  # every process's decisions declared
    kinds = declared_kinds()
    if kind not in kinds:
        raise typer.BadParameter(f"kind must be one of {', '.join(kinds)}")
    given = {name.strip(): value for name, _, value in (part.partition("=") for part in field or [])}
    answer_and_wake(
        Subject(kind, subject_id), decision, comment, code, Relay(on_behalf_of, reason, operator_link), given
    )


@dataclass(frozen=True)
class Relay:
    """An operator answering for someone: for whom, why, and the operator's own sign-in link."""

    on_behalf_of: str = ""
    reason: str = ""
    operator_link: str = ""


@app.command("operator-link")
@friendly_errors
def operator_link_command(
    email: Annotated[str, typer.Argument(help="Your own e-mail address (an active person of the team)")],
) -> None:
    """Mail yourself a sign-in link (15 minutes, single use) to prove who you are with
    --operator-link when you answer for someone; the same answer for any address."""
    ctx = context()
    with session_scope() as session:
        request_sign_in(session, ctx.links, ctx.renderer, email, now=ctx.clock.now())
    asyncio.run(
        deliver_pending(get_engine(ctx.settings.database_url), ctx.settings, unseal=unsealer(ctx.links))
    )
    console.print(f"if {email} is a person of the team, a sign-in link is on its way (valid 15 minutes)")


def answer_and_wake(
    subject: Subject,
    decision: str,
    comment: str,
    code: str,
    relay: Relay,
    fields: dict[str, str] | None = None,
) -> None:
    """Record the answer with its fields read by the decision's own reader (refused with one
    line and exit 1), then wake the run waiting for it."""
    ctx = context()
    if bool(code) == bool(relay.on_behalf_of):
        raise typer.BadParameter(
            "give either --code (from your e-mail) or --on-behalf-of with --reason and --operator-link"
        )
    links = ctx.links
    now = ctx.clock.now()
    with session_scope() as session:
        details, problem = read_details(session, subject, fields or {}, decision)
        reply = Reply(decision, comment, details)
        actor = relay.on_behalf_of or "unknown"
        if problem is not None:
            outcome: Recorded | Refused = refuse(session, subject, actor, "cli", problem, now=now)
        elif code:
            outcome = answer_by_code(session, links.keys, subject, code, reply, now=now)
        else:
            outcome = answer_on_behalf(
                session,
                links.keys,
                subject,
                relay.on_behalf_of,
                reply,
                operator_link=relay.operator_link,
                reason=relay.reason,
                now=now,
            )
        if isinstance(outcome, Recorded):
            run_id, who, round_number = (
                outcome.request.flow_run_id,
                outcome.answer.person_email,
                outcome.request.round,
            )
    if not isinstance(outcome, Recorded):  # outside the transaction: the refusal stays audited
        errors.print(f"{subject}: refused: {outcome.reason}", soft_wrap=True, markup=False)
        raise typer.Exit(1)
    console.print(f"{subject}: {decision} by {who} recorded (round {round_number})", markup=False)
    if run_id is None:
        return
    try:
        woken = wake_waiting_run(run_id, wake_values(links.keys, run_id, subject.kind))
    except PrefectUnavailable as error:
        errors.print(f"run not woken: {error}; the next SLA sweep applies the answer", soft_wrap=True)
        return
    if not woken:
        console.print("the run was busy; it applies the answer at its next wake-up (SLA sweep)")
