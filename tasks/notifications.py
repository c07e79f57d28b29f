"""Delivering the outbox, as a Prefect task with retries for database hiccups.

SMTP trouble does not fail the task: the sender records it on each row and retries later.
Never cached: after a suspended flow resumes, it must send what the new step queued.
"""

import asyncio

from prefect import task

from partnerflow.approvals import unsealer
from partnerflow.approvals.refusals import queue_refusal_notices
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.notify import DeliveryReport, deliver_pending
from tasks.settings import SWEEP


@task(name="send-pending-notifications", **SWEEP)
def send_pending_notifications(limit: int | None = None) -> DeliveryReport:
    """Send the due notifications; the report counts sent, retry_later and failed."""
    settings = context().settings
    return asyncio.run(
        deliver_pending(
            get_engine(settings.database_url), settings, unseal=unsealer(context().links), limit=limit
        )
    )


@task(name="notify-refused-answers", **SWEEP)
def notify_refused_answers() -> int:
    """Queue a notice to each person whose answer was refused (once per refusal)."""
    ctx = context()
    with session_scope() as session:
        return queue_refusal_notices(session, ctx.links, ctx.renderer, now=ctx.clock.now())
