"""Outbox delivery: every few minutes, send what is due and retry what failed before."""

from typing import Any

from prefect import flow
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from tasks.notifications import send_pending_notifications

# Prefect's default thread pool is unbounded; one sending task needs few threads.
BOUNDED_THREADS: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=4)


@flow(
    name="deliver-notifications",
    flow_run_name="deliver-notifications",
    task_runner=BOUNDED_THREADS,
)
async def deliver_notifications(limit: int = 500) -> dict[str, int]:
    """Send the due notifications in the outbox.

    Args:
        limit: the most notifications to send in this run; the rest wait for the next run.
    """
    return await send_pending_notifications(limit)
