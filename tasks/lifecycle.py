"""I/O steps of the partner lifecycle: candidates put to the channel managers, a removal asked,
the day's onboarding and certification e-mails."""

from __future__ import annotations

from datetime import timedelta

from prefect import task

from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.lifecycle.admission import ProposedBatch, propose_batch
from partnerflow.lifecycle.onboarding import TrainingNotices, queue_training_notices
from partnerflow.lifecycle.removal import request_decision
from tasks.settings import STEP, SWEEP

ACTION_LINKS_WORK_FOR = timedelta(days=14)  # how long a batch or a removal waits for a manager


@task(name="queue-training-notices", **SWEEP)
def queue_training() -> TrainingNotices:
    """The day's onboarding steps and certification reminders (each notice once)."""
    ctx = context()
    today = ctx.clock.today()
    policy = ctx.policy("partner_health", today)
    with session_scope() as session:
        return queue_training_notices(
            session,
            today=today,
            settings=policy.document.training,
            deal_policy=ctx.policy("deal_registration", today),
            renderer=ctx.renderer,
        )


@task(name="propose-candidates", **STEP)
def propose_candidates(flow_run_id: str) -> ProposedBatch:
    """Put the proposed candidates not yet in a batch to the channel managers (once per run)."""
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        return propose_batch(
            session,
            renderer=ctx.renderer,
            links=ctx.links,
            run_id=flow_run_id,
            expires_at=now + ACTION_LINKS_WORK_FOR,
            now=now,
        )


@task(name="ask-removal-decision", **STEP)
def ask_removal_decision(removal_id: int, flow_run_id: str) -> int:
    """Mail every channel manager their link and code to confirm the removal (once)."""
    ctx = context()
    now = ctx.clock.now()
    with session_scope() as session:
        return request_decision(
            session,
            removal_id,
            ctx.renderer,
            links=ctx.links,
            run_id=flow_run_id,
            expires_at=now + ACTION_LINKS_WORK_FOR,
            now=now,
        )
