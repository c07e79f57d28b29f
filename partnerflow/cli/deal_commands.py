"""``partnerflow deals``: submit, update, extend, close, list and show registrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session, col, select

from partnerflow.approvals import links_for, wake_values
from partnerflow.cli.input_files import read_rows
from partnerflow.cli.output import (
    InputProblem,
    RecordId,
    console,
    errors,
    friendly_errors,
    log_unexpected,
    print_json,
)
from partnerflow.cli.prefect_api import (
    UNREACHABLE,
    PrefectUnavailable,
    emit_deal_closed,
    resume_run,
    start_run,
)
from partnerflow.commissions.plans import plan_in_force
from partnerflow.commissions.reversal import reverse_deal
from partnerflow.db import get_engine, session_scope
from partnerflow.models import Registration, RegistrationStatus
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import PolicyError, load_policy
from partnerflow.registration.batch import queue_submissions
from partnerflow.registration.intake import IntakeResult, take_in
from partnerflow.registration.policies import policy_for_registration
from partnerflow.registration.protection import ProtectionError, close_registration, request_extension
from partnerflow.registration.review import request_review
from partnerflow.registration.updates import UpdateRefused, update_registration
from partnerflow.settings import get_settings

app = typer.Typer(help="Deal registrations: submit, update, extend, close.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command()
@friendly_errors
def submit(
    file: Path,
    as_json: JsonFlag = False,
    start_reviews: Annotated[bool, typer.Option(help="Start a review run per escalated row.")] = True,
    queue: Annotated[bool, typer.Option(help="Queue for the deal-intake deployment instead.")] = False,
) -> None:
    """Submit registrations from FILE (JSON list or CSV); one result per row."""
    settings = get_settings()
    if queue:
        with session_scope() as session:
            queued = queue_submissions(session, read_rows(file), now=datetime.now(UTC))
        console.print(f"queued {queued} submission(s); the deal-intake deployment decides them")
        return
    renderer = TemplateRenderer(settings.templates_dir)
    results: list[IntakeResult] = []
    failed: list[str] = []
    for number, raw in enumerate(read_rows(file), start=1):
        now = datetime.now(UTC)
        try:  # each row in its own transaction: one row's failure neither undoes nor stops the others
            with session_scope() as session:
                policy = load_policy("deal_registration", now.date(), settings.policies_dir)
                results.append(take_in(session, raw, policy=policy, renderer=renderer, now=now))
        except PolicyError:
            raise
        except Exception as error:
            failed.append(
                f"{file}: row {number}: not recorded: {type(error).__name__}; see {log_unexpected(error)}"
            )
    notes = (
        _start_reviews([r.registration_id for r in results if r.outcome == "review"]) if start_reviews else {}
    )
    rows = [{**result.as_dict(), "review_run": notes.get(result.registration_id)} for result in results]
    for line in failed:
        errors.print(line, markup=False, highlight=False, soft_wrap=True)
    if as_json:
        print_json(rows)
        if failed:
            raise typer.Exit(1)
        return
    table = Table(title=f"{len(rows)} submission(s)")
    for column in ("id", "outcome", "rule", "policy", "reason / problems"):
        table.add_column(column)
    for row in rows:
        detail = "; ".join(row["problems"]) or row["reason"] or ""
        table.add_row(
            str(row["registration_id"]),
            row["outcome"],
            row["rule_id"] or "",
            row["policy_version"] or "",
            detail,
        )
    console.print(table)
    if failed:
        raise typer.Exit(1)


def _start_reviews(registration_ids: list[int]) -> dict[int, str]:
    started: dict[int, str] = {}
    for registration_id in registration_ids:
        try:
            started[registration_id] = start_run(
                "review-registration/review-registration", {"registration_id": registration_id}
            )
        except PrefectUnavailable as reason:
            errors.print(
                f"registration {registration_id}: review run not started: {reason}. The review-sla "
                "deployment starts it once the server runs.",
                soft_wrap=True,
            )
            break
    return started


@app.command()
@friendly_errors
def update(registration_id: RecordId, file: Path, as_json: JsonFlag = False) -> None:
    """Answer a reviewer's question: merge FILE (JSON object) into the registration, decide again."""
    settings = get_settings()
    changes = read_rows(file)[0]
    now = datetime.now(UTC)
    try:
        with session_scope() as session:
            policy = policy_for_registration(
                session, registration_id, directory=settings.policies_dir, today=now.date()
            )
            result = update_registration(
                session,
                registration_id,
                changes,
                policy=policy,
                renderer=TemplateRenderer(settings.templates_dir),
                now=now,
            )
    except UpdateRefused as refused:
        for problem in refused.problems:
            errors.print(problem, soft_wrap=True)
        raise typer.Exit(1) from None
    _follow_up_review(registration_id, result, now)
    if as_json:
        print_json(result.as_dict())
    else:
        console.print(
            f"registration {registration_id}: {result.outcome} ({result.rule_id}) {result.reason or ''}"
        )


def _follow_up_review(registration_id: int, result: IntakeResult, now: datetime) -> None:
    """After an update: a new review round (new links) if it is back in review, else wake its
    waiting run so it sees the decision."""
    settings = get_settings()
    links = links_for(settings)
    with session_scope() as session:
        registration = session.get(Registration, registration_id)
        assert registration is not None
        run_id = registration.flow_run_id
        if result.outcome == "review" and run_id:
            policy = policy_for_registration(
                session, registration_id, directory=settings.policies_dir, today=now.date()
            )
            request_review(
                session,
                registration,
                links=links,
                renderer=TemplateRenderer(settings.templates_dir),
                expires_at=(registration.review_requested_at or now)
                + policy.document.review_sla.final_timeout,
                now=now,
            )
    if result.outcome != "review" and run_id:
        try:
            resume_run(run_id, wake_values(links.keys, run_id))
        except PrefectUnavailable as reason:
            errors.print(
                f"review run not woken: {reason}; the review-sla deployment wakes it", soft_wrap=True
            )


@app.command()
@friendly_errors
def extend(registration_id: RecordId, as_json: JsonFlag = False) -> None:
    """Request an extension of an approved registration's protection (decided by the policy)."""
    settings = get_settings()
    now = datetime.now(UTC)
    with _explained(ProtectionError), session_scope() as session:
        decision = request_extension(
            session,
            registration_id,
            renderer=TemplateRenderer(settings.templates_dir),
            policy=load_policy("deal_registration", now.date(), settings.policies_dir),
            now=now,
        )
    if as_json:
        print_json(decision.__dict__)
    else:
        console.print(("granted: " if decision.granted else "refused: ") + decision.reason)


@app.command()
@friendly_errors
def close(
    registration_id: RecordId,
    won: Annotated[bool, typer.Option("--won/--lost", help="The deal's outcome.")],
    amount: Annotated[str | None, typer.Option(help="Final amount of a won deal.")] = None,
    on: Annotated[str | None, typer.Option("--date", help="Close date (YYYY-MM-DD), default today.")] = None,
    actor: Annotated[str, typer.Option(help="Who records the outcome.")] = "cli",
) -> None:
    """Record a deal's outcome; a won deal emits the partnerflow.deal.closed event."""
    try:
        closed_on = date.fromisoformat(on) if on else date.today()
    except ValueError:
        raise InputProblem(f"--date {on!r}: not a date (YYYY-MM-DD)") from None
    try:
        value = Decimal(amount) if amount is not None else None
    except InvalidOperation:
        raise InputProblem(f"--amount {amount!r}: not a number") from None
    with _explained(ProtectionError), session_scope() as session:
        registration = close_registration(
            session, registration_id, won=won, amount=value, closed_on=closed_on, actor=actor
        )
        closed = registration.model_copy()
    console.print(f"registration {registration_id}: {closed.status.value}")
    if won and value is not None and closed.partner_id is not None:
        try:
            emit_deal_closed(
                registration_id=registration_id,
                partner_id=closed.partner_id,
                customer=closed.customer_name,
                amount=value,
                currency=closed.currency,
                closed_on=closed_on,
            )
        except (*UNREACHABLE, RuntimeError) as error:
            errors.print(
                f"partnerflow.deal.closed not emitted ({error}); commissions will not see it", soft_wrap=True
            )


@app.command()
@friendly_errors
def reverse(
    registration_id: RecordId,
    reason: Annotated[str, typer.Option(help="Why (refund, cancellation): kept in the audit trail.")],
    actor: Annotated[str, typer.Option(help="Who reverses it.")] = "cli",
    as_json: JsonFlag = False,
) -> None:
    """Reverse a deal's commission: cancelled before settlement, clawed back after payment."""
    with _explained(ValueError), session_scope() as session:
        result = reverse_deal(
            session,
            registration_id,
            reason=reason,
            actor=actor,
            plan_for=plan_in_force,
            now=datetime.now(UTC),
        )
    if as_json:
        print_json(result.__dict__)
        return
    messages = {
        "cancelled": f"commission of deal {registration_id} cancelled ({result.amount}): it will not be paid",
        "clawed-back": f"deal {registration_id} was paid: clawback line {result.amount}, "
        "netted against the partner's next settlement",
        "already-reversed": f"deal {registration_id} was already reversed: nothing changed",
        "nothing-accrued": f"deal {registration_id} has no commission to reverse ({result.detail})",
    }
    console.print(messages[result.outcome])


@app.command("list")
@friendly_errors
def list_registrations(
    status: Annotated[RegistrationStatus | None, typer.Option(help="Only this status.")] = None,
    limit: Annotated[int, typer.Option(help="Newest N.")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """The newest registrations with their decision."""
    with Session(get_engine()) as session:
        query = select(Registration).order_by(col(Registration.id).desc()).limit(limit)
        if status:
            query = query.where(Registration.status == status)
        rows = list(session.exec(query))
    if as_json:
        print_json([row.model_dump(exclude={"facts", "submission"}) for row in rows])
        return
    table = Table(title="Registrations")
    for column in ("id", "partner", "customer", "amount", "status", "rule", "protected until"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id),
            str(row.partner_id),
            row.customer_name,
            f"{row.amount or ''} {row.currency}",
            row.status.value,
            row.rule_id or "",
            str(row.protection_ends_on or ""),
        )
    console.print(table)


@contextmanager
def _explained(*kinds: type[Exception]) -> Iterator[None]:
    """Turn a domain error into its message and exit code 1."""
    try:
        yield
    except kinds as error:
        errors.print(str(error), soft_wrap=True)
        raise typer.Exit(1) from None
