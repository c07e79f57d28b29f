"""Delivering the outbox, as a Prefect task with retries for database hiccups.

SMTP trouble does not fail the task: the sender records it on each row and retries later.
Never cached: after a suspended flow resumes, it must send what the new step queued.
"""

import asyncio

from prefect import task
from prefect.cache_policies import NO_CACHE

from partnerflow.context import context
from partnerflow.db import get_engine
from partnerflow.notify import deliver_pending


@task(name="send-pending-notifications", retries=3, retry_delay_seconds=[2, 10, 30], cache_policy=NO_CACHE)
def send_pending_notifications(limit: int | None = None) -> dict[str, int]:
    """Send the due notifications; returns counts of sent, retry_later and failed."""
    settings = context().settings
    report = asyncio.run(deliver_pending(get_engine(settings.database_url), settings, limit=limit))
    return {"sent": report.sent, "retry_later": report.retry_later, "failed": report.failed}
