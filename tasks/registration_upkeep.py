"""Scheduled deal-registration I/O: the review SLA sweep, waking runs, expiry, extensions."""

from datetime import date

from prefect import task

from partnerflow.approvals import runs_with_unapplied_answers
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.orchestration.prefect_api import start_run
from partnerflow.policy import DealRegistrationPolicy, Policy
from partnerflow.registration.protection import (
    ExpiryReport,
    ExtensionDecision,
    expiry_sweep,
    request_extension,
)
from partnerflow.registration.sla import SweepReport, sweep_reviews
from tasks.settings import SWEEP


def _policy_for(day: date) -> Policy[DealRegistrationPolicy]:
    return context().policy("deal_registration", day)


@task(name="sweep-review-sla", **SWEEP)
def sweep_review_sla() -> SweepReport:
    """Remind, escalate and time out open reviews; returns what was done and the runs to wake
    (those decided here, and any run whose answers arrived while it could not be woken)."""
    ctx = context()
    with session_scope() as session:
        report = sweep_reviews(
            session,
            policy_for=_policy_for,
            renderer=ctx.renderer,
            links=ctx.links,
            now=ctx.clock.now(),
        )
        unapplied = runs_with_unapplied_answers(session)
    report.runs_to_wake = list(dict.fromkeys([*report.runs_to_wake, *unapplied]))
    return report


@task(name="start-review-runs", **SWEEP)
def start_review_runs(registration_ids: list[int]) -> int:
    """Start a review-registration run for escalated registrations that have none yet."""
    for registration_id in registration_ids:
        start_run("review-registration/review-registration", {"registration_id": registration_id})
    return len(registration_ids)


@task(name="sweep-registration-expiry", **SWEEP)
def sweep_registration_expiry() -> ExpiryReport:
    """Send due expiry reminders and expire registrations past their last protected day."""
    ctx = context()
    with session_scope() as session:
        return expiry_sweep(session, policy_for=_policy_for, renderer=ctx.renderer, now=ctx.clock.now())


@task(name="decide-extension", **SWEEP)
def decide_extension(registration_id: int) -> ExtensionDecision:
    """Grant or refuse one extension request under the policy in force today."""
    ctx = context()
    with session_scope() as session:
        return request_extension(
            session,
            registration_id,
            policy=_policy_for(ctx.clock.today()),
            renderer=ctx.renderer,
            now=ctx.clock.now(),
        )
