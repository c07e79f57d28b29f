"""``partnerflow deals``: submit, update, extend, close, list and show registrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session, col, select

from partnerflow.approvals import wake_values
from partnerflow.cli.decision_runs import start_decision_run
from partnerflow.cli.file_intake import FileIntake, take_in_file
from partnerflow.cli.input_files import read_rows
from partnerflow.cli.output import (
    InputProblem,
    RecordId,
    console,
    errors,
    friendly_errors,
    print_json,
)
from partnerflow.cli.typed_options import option_amount, option_date
from partnerflow.clock import programme_date
from partnerflow.commissions.reversal import reverse_deal
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.models import Registration, RegistrationStatus
from partnerflow.orchestration.prefect_api import (
    UNREACHABLE,
    PrefectUnavailable,
    emit_deal_closed,
    resume_run,
    start_run,
)
from partnerflow.referrals.reversal import reverse_rewards
from partnerflow.registration.batch import queue_submissions
from partnerflow.registration.intake import IntakeResult
from partnerflow.registration.policies import submitted_on
from partnerflow.registration.protection import ProtectionError, close_registration, request_extension
from partnerflow.registration.review import request_review_until_deadline
from partnerflow.registration.updates import UpdateRefused, update_registration

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
    ctx = context()
    if queue:
        with session_scope() as session:
            queued = queue_submissions(session, read_rows(file), now=ctx.clock.now())
        console.print(f"queued {queued} submission(s); the deal-intake deployment decides them")
        return
    rows = read_rows(file)
    intake = take_in_file(file, rows, ctx)
    results = list(intake.results.values())
    escalated = [r.registration_id for r in results if r.outcome == "review"]
    notes = _start_reviews(escalated) if start_reviews else {}
    for line in intake.failed:
        errors.print(line, markup=False, highlight=False, soft_wrap=True)
    if as_json:
        print_json(
            [
                {"row": number, **result.as_dict(), "review_run": notes.get(result.registration_id)}
                for number, result in intake.results.items()
            ]
        )
    elif len(results) <= SHOWN_ROWS:
        _print_results(results, notes)
    else:
        _print_summary(file, intake)
    if intake.interrupted:
        errors.print(
            f"interrupted after {len(intake.results):,} of {len(rows):,} rows (those are recorded); "
            "rows with an external_id are not taken twice if the file is submitted again",
            markup=False,
        )
        raise typer.Exit(130)
    if failed := intake.failed:
        errors.print(f"{len(failed)} row(s) not recorded; the others were", markup=False)
        raise typer.Exit(1)


SHOWN_ROWS = 200  # beyond this a file is summed up rather than listed
START_REVIEWS_UP_TO = 50  # more escalations than this: the review-sla sweep starts their runs


def _print_results(results: list[IntakeResult], notes: dict[int, str]) -> None:
    table = Table(title=f"{len(results)} submission(s)")
    for column in ("id", "outcome", "rule", "policy", "reason / problems"):
        table.add_column(column)
    for result in results:
        detail = "; ".join(result.problems) or result.reason or ""
        table.add_row(
            str(result.registration_id),
            result.outcome,
            result.rule_id or "",
            result.policy_version or "",
            detail,
        )
    console.print(table)
    if notes:
        console.print(f"{len(notes)} review run(s) started")


def _print_summary(file: Path, intake: FileIntake) -> None:
    """A big file: counts by outcome, its refused rows (the first 20), the rate."""
    counts = ", ".join(f"{count:,} {outcome}" for outcome, count in intake.counts().items())
    rate = len(intake.results) / intake.seconds if intake.seconds else 0.0
    console.print(
        f"{len(intake.results):,} rows taken in ({counts}) in {intake.seconds:.1f} s ({rate:,.0f}/s)"
    )
    refused = [(n, r) for n, r in intake.results.items() if r.outcome == "refused"]
    for number, result in refused[:20]:
        console.print(
            f"{file}: row {number}: refused: {'; '.join(result.problems)}", markup=False, soft_wrap=True
        )
    if len(refused) > 20:
        console.print(f"... and {len(refused) - 20:,} more refused rows: see --json", markup=False)


def _start_reviews(registration_ids: list[int]) -> dict[int, str]:
    started: dict[int, str] = {}
    if len(registration_ids) > START_REVIEWS_UP_TO:
        errors.print(
            f"{len(registration_ids):,} registrations wait for review: the review-sla deployment "
            "starts their review runs (every 15 minutes).",
            soft_wrap=True,
        )
        return started
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
    ctx = context()
    changes = read_rows(file)[0]
    now = ctx.clock.now()
    try:
        with session_scope() as session:
            policy = ctx.policy(
                "deal_registration", submitted_on(session, registration_id, today=programme_date(now))
            )
            result = update_registration(
                session,
                registration_id,
                changes,
                policy=policy,
                renderer=ctx.renderer,
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
    ctx = context()
    links = ctx.links
    with session_scope() as session:
        registration = session.get(Registration, registration_id)
        assert registration is not None
        run_id = registration.flow_run_id
        if result.outcome == "review" and run_id:
            policy = ctx.policy(
                "deal_registration", submitted_on(session, registration_id, today=programme_date(now))
            )
            request_review_until_deadline(
                session, registration, policy=policy, links=links, renderer=ctx.renderer, now=now
            )
    if result.outcome != "review" and run_id:
        try:
            resume_run(run_id, wake_values(links.keys, run_id, "registration"))
        except PrefectUnavailable as reason:
            errors.print(
                f"review run not woken: {reason}; the review-sla deployment wakes it", soft_wrap=True
            )


@app.command()
@friendly_errors
def extend(registration_id: RecordId, as_json: JsonFlag = False) -> None:
    """Request an extension of an approved registration's protection (decided by the policy)."""
    ctx = context()
    now = ctx.clock.now()
    with _explained(ProtectionError), session_scope() as session:
        decision = request_extension(
            session,
            registration_id,
            renderer=ctx.renderer,
            policy=ctx.policy("deal_registration", programme_date(now)),
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
    """Record a deal's outcome; a won deal emits the partnerflow.deal.closed event. A won amount
    far above the registered one (the policy's close_review) waits for a channel director: the
    review-deal-close run asks them, and the event follows their confirmation."""
    if not won and amount is not None:
        raise InputProblem("--amount: a lost deal has no final amount (it would be dropped); leave it out")
    ctx = context()
    closed_on = option_date(on, "--date") if on else ctx.clock.today()
    value = option_amount(amount, "--amount") if amount is not None else None
    close_review = ctx.policy("deal_registration", closed_on).document.close_review
    with _explained(ProtectionError), session_scope() as session:
        registration = close_registration(
            session,
            registration_id,
            won=won,
            amount=value,
            closed_on=closed_on,
            actor=actor,
            close_review=close_review,
            now=ctx.clock.now(),
        )
        closed = registration.model_copy()
    if closed.status is RegistrationStatus.CLOSE_REVIEW:
        _start_close_review(registration_id, close_review.amount_factor)
        return
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


def _start_close_review(registration_id: int, factor: float) -> None:
    console.print(
        f"registration {registration_id}: close-review: the amount is more than {factor:g} times the "
        "registered one; a channel director confirms it before commissions see it"
    )
    run_id = start_decision_run(
        "review-deal-close/review-deal-close", "registration_id", registration_id, recorded="close recorded"
    )
    console.print(f"the channel directors are asked (run {run_id})")


@app.command()
@friendly_errors
def reverse(
    registration_id: RecordId,
    reason: Annotated[str, typer.Option(help="Why (refund, cancellation): kept in the audit trail.")],
    actor: Annotated[str, typer.Option(help="Who reverses it.")] = "cli",
    as_json: JsonFlag = False,
) -> None:
    """Reverse a deal's commission, and the referral rewards it earned: cancelled before
    settlement, clawed back after payment."""
    with _explained(ValueError), session_scope() as session:
        result = reverse_deal(
            session,
            registration_id,
            reason=reason,
            actor=actor,
            plan_for=context().plan_for,
            now=context().clock.now(),
        )
        rewards = reverse_rewards(
            session, registration_id, reason=reason, actor=actor, now=context().clock.now()
        )
    if as_json:
        print_json({**result.__dict__, "referral_rewards": rewards.__dict__})
        return
    messages = {
        "cancelled": f"commission of deal {registration_id} cancelled ({result.amount}): it will not be paid",
        "clawed-back": f"deal {registration_id} was paid: clawback line {result.amount}, "
        "netted against the partner's next settlement",
        "already-reversed": f"deal {registration_id} was already reversed: nothing changed",
        "nothing-accrued": f"deal {registration_id} has no commission to reverse ({result.detail})",
    }
    console.print(messages[result.outcome])
    if rewards.describe():
        console.print(rewards.describe())


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
