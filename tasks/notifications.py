"""Delivering the outbox, as a Prefect task with retries for database hiccups.

SMTP trouble does not fail the task: the sender records it on each row and retries later.
"""

from prefect import task

from partnerflow.db import get_engine
from partnerflow.notify import deliver_pending
from partnerflow.settings import get_settings


@task(name="send-pending-notifications", retries=3, retry_delay_seconds=[2, 10, 30])
async def send_pending_notifications(limit: int | None = None) -> dict[str, int]:
    """Send the due notifications; returns counts of sent, retry_later and failed."""
    settings = get_settings()
    report = await deliver_pending(get_engine(settings.database_url), settings, limit=limit)
    return {"sent": report.sent, "retry_later": report.retry_later, "failed": report.failed}
