"""Waking suspended runs (shared by every process whose runs wait for people: reviews, sign-offs,
finance and rebalancing approvals), naming a run after its subject once it is known, and the
day a run started on."""

from datetime import date
from uuid import UUID

from prefect import get_client, task
from prefect.cache_policies import RUN_ID, TASK_SOURCE
from prefect.exceptions import FlowPauseTimeout, NotPausedError, ObjectNotFound

from partnerflow.approvals import kinds_of_runs, wake_values
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.orchestration.resuming import resume_with_input
from tasks.settings import SWEEP


@task(name="wake-suspended-runs", **SWEEP)
def wake_suspended_runs(flow_run_ids: list[str]) -> int:
    """Resume suspended runs (reviews, sign-offs) with a wake-up signed for each: never a vote.
    A run that asked nobody has nothing recorded to apply: it is left alone."""
    keys = context().links.keys
    with session_scope() as session:
        kinds = kinds_of_runs(session, flow_run_ids)
    woken = 0
    for flow_run_id in flow_run_ids:
        if flow_run_id not in kinds:
            continue
        try:
            resume_with_input(flow_run_id, wake_values(keys, flow_run_id, kinds[flow_run_id]))
            woken += 1
        except (NotPausedError, FlowPauseTimeout, ObjectNotFound):
            continue  # already running, finished or gone: it will see the decision when it looks
    return woken


@task(name="name-run", **SWEEP)
def name_run(flow_run_id: str, name: str) -> str:
    """Rename the run after the subject it created (``registration-13-Acme``), so the UI's list
    matches the number the e-mails give."""
    with get_client(sync_client=True) as client:
        client.update_flow_run(UUID(flow_run_id), name=name)
    return name


@task(name="day-of-run", cache_policy=RUN_ID + TASK_SOURCE, persist_result=True)
def day_of_run() -> date:
    """The programme's date when this run first asked. A flow that waits for people runs its
    body again when it resumes, days later: reading the clock there again turned a run started
    for last month on 30 November into one for November once resumed on 2 December. Cached per
    run, the day stays the one it started on."""
    return context().clock.today()
