"""Scheduled deal-registration I/O: the review SLA sweep, waking runs, expiry, extensions."""

from datetime import date
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import FlowPauseTimeout, NotPausedError, ObjectNotFound

from partnerflow.approvals import runs_with_unapplied_answers, wake_values
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.orchestration.resuming import resume_with_input
from partnerflow.policy import DealRegistrationPolicy, Policy
from partnerflow.registration.protection import expiry_sweep, request_extension
from partnerflow.registration.sla import sweep_reviews

SCHEDULED: dict[str, Any] = {"retries": 3, "retry_delay_seconds": [2, 10, 30], "cache_policy": NO_CACHE}


def _policy_for(day: date) -> Policy[DealRegistrationPolicy]:
    return context().policy("deal_registration", day)


@task(name="sweep-review-sla", **SCHEDULED)
def sweep_review_sla() -> dict[str, list[Any]]:
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
    return dict(report.__dict__)


@task(name="wake-suspended-runs", **SCHEDULED)
def wake_suspended_runs(flow_run_ids: list[str]) -> int:
    """Resume suspended runs (reviews, sign-offs) with a wake-up signed for each: never a vote."""
    keys = context().links.keys
    woken = 0
    for flow_run_id in flow_run_ids:
        try:
            resume_with_input(flow_run_id, wake_values(keys, flow_run_id))
            woken += 1
        except (NotPausedError, FlowPauseTimeout, ObjectNotFound):
            continue  # already running, finished or gone: it will see the decision when it looks
    return woken


@task(name="start-review-runs", **SCHEDULED)
def start_review_runs(registration_ids: list[int]) -> int:
    """Start a review-registration run for escalated registrations that have none yet."""
    from prefect.deployments import run_deployment

    for registration_id in registration_ids:
        run_deployment(
            "review-registration/review-registration",
            timeout=0,
            as_subflow=False,  # a subflow cannot suspend, and the review outlives this run
            parameters={"registration_id": registration_id},
        )
    return len(registration_ids)


@task(name="sweep-registration-expiry", **SCHEDULED)
def sweep_registration_expiry() -> dict[str, list[int]]:
    """Send due expiry reminders and expire registrations past their last protected day."""
    ctx = context()
    with session_scope() as session:
        report = expiry_sweep(
            session,
            policy_for=_policy_for,
            renderer=ctx.renderer,
            today=ctx.clock.today(),
        )
    return dict(report.__dict__)


@task(name="decide-extension", **SCHEDULED)
def decide_extension(registration_id: int) -> dict[str, Any]:
    """Grant or refuse one extension request under the policy in force today."""
    ctx = context()
    with session_scope() as session:
        decision = request_extension(
            session,
            registration_id,
            policy=_policy_for(ctx.clock.today()),
            renderer=ctx.renderer,
            now=ctx.clock.now(),
        )
    return {
        "granted": decision.granted,
        "protection_ends_on": str(decision.protection_ends_on),
        "reason": decision.reason,
    }
