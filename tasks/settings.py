"""How every task retries and caches, written once.

Tasks do database and SMTP I/O: a transient failure (a locked SQLite file, a dropped PostgreSQL
connection) is retried three times, after 2, 10 and 30 seconds; a permanent one (a record that
does not exist, a value refused) is not: retrying it only delayed the one line that says why by
42 seconds (#27). Kinds of task:

- ``STEP``: one step of one subject (take in a submission, apply a round's answer). Its result
  is persisted and cached by its inputs, so a resumed or replayed run gets the first result back
  instead of doing the step twice (each step is idempotent in the database too).
- ``ANSWER``: a ``STEP`` that takes one round of a decision form. Cached by its subject, run
  and round but not by the form's values: the run strikes the code from Prefect's copy of the
  answer once read, so a replay sees other values for the same round and must get the first
  result back (``partnerflow.orchestration.spent_codes``).
- ``SWEEP``: scheduled or repeated work over whatever is due now (deliver the outbox, sweep the
  SLA, offer campaigns). Never cached: each call must look again.
"""

from typing import Any

from prefect.cache_policies import INPUTS, NO_CACHE, RUN_ID, TASK_SOURCE
from prefect.client.schemas.objects import State, TaskRun
from sqlalchemy.exc import NoResultFound

PERMANENT_ERRORS = (LookupError, ValueError, TypeError, NoResultFound)
"""What another try cannot change: a missing record, a refused value, a programming error."""


def only_transient(_task: object, _task_run: TaskRun, state: State[Any]) -> bool:
    """Prefect's ``retry_condition_fn``: retry unless the task failed with a permanent error."""
    return not isinstance(state.data, PERMANENT_ERRORS)


RETRIES: dict[str, Any] = {
    "retries": 3,
    "retry_delay_seconds": [2, 10, 30],
    "retry_condition_fn": only_transient,
}
STEP: dict[str, Any] = {**RETRIES, "persist_result": True}
ANSWER: dict[str, Any] = {**STEP, "cache_policy": (INPUTS - "answer") + TASK_SOURCE + RUN_ID}
SWEEP: dict[str, Any] = {**RETRIES, "cache_policy": NO_CACHE}
