"""Task runner shared by the flows: Prefect's default thread pool is unbounded."""

from typing import Any

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner


def bounded_threads() -> TaskRunner[Any]:
    """A small pool: flows here run few tasks at a time, each working in batches."""
    runner: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=4)
    return runner
