"""Outbox delivery: every few minutes, send what is due and retry what failed before."""

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from tasks.notifications import send_pending_notifications


@flow(
    name="deliver-notifications",
    flow_run_name="deliver-notifications",
    task_runner=ThreadPoolTaskRunner(max_workers=4),
)
async def deliver_notifications(limit: int = 500) -> dict[str, int]:
    """Send the due notifications in the outbox.

    Args:
        limit: the most notifications to send in this run; the rest wait for the next run.
    """
    return await send_pending_notifications(limit)
