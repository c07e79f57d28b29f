"""What the flows share: a bounded task runner, the current run's id, and the rounds of a form
people answer in the UI (the programme's clock is ``partnerflow.context``)."""

import itertools
from collections.abc import Iterator
from typing import Any

from prefect import suspend_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner


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


def answer_rounds(form: type[RunInput], key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Suspend the run (no compute held) until someone answers ``form``; yield the round and the
    values; the caller decides whether another round is needed.

    Each round has its own pause key (``<key>-1``, ``<key>-2``...), so after a resume the run
    replays the rounds already answered and waits at the first unanswered one. Pass the round to
    the task that takes the answer: Prefect caches a task's result by its inputs, so a replayed
    round returns its first result while two identical submissions in two rounds both run.
    """
    for round_number in itertools.count(1):
        answer = suspend_flow_run(wait_for_input=form, key=f"{key}-{round_number}")
        yield round_number, answer.model_dump()
