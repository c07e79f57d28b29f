"""What the flows share: a bounded task runner, the current run's id, the programme's clock."""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from prefect.runtime import flow_run
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

PROGRAMME_TIMEZONE = ZoneInfo("Europe/Paris")


def bounded_threads() -> TaskRunner[Any]:
    """A small pool: flows here run few tasks at a time, each working in batches."""
    runner: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=4)
    return runner


def current_run_id() -> str:
    """The flow run's id: stored with what it creates, and the link e-mails point to."""
    run_id = flow_run.get_id()
    if run_id is None:
        raise RuntimeError("this must run as a Prefect flow run")
    return run_id


def programme_today() -> date:
    """Today in Paris: schedules and default periods follow the programme's calendar."""
    return datetime.now(PROGRAMME_TIMEZONE).date()
