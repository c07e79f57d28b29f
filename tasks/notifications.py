"""Delivering the outbox, as a Prefect task with retries for database hiccups.

SMTP trouble does not fail the task: the sender records it on each row and retries later.
Never cached: after a suspended flow resumes, it must send what the new step queued.
"""

import asyncio

from prefect import task

from partnerflow.context import context
from partnerflow.db import get_engine
from partnerflow.notify import DeliveryReport, deliver_pending
from tasks.settings import SWEEP


@task(name="send-pending-notifications", **SWEEP)
def send_pending_notifications(limit: int | None = None) -> DeliveryReport:
    """Send the due notifications; the report counts sent, retry_later and failed."""
    settings = context().settings
    return asyncio.run(deliver_pending(get_engine(settings.database_url), settings, limit=limit))
