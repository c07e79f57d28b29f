"""Running again the partnerflow runs that crashed: the I/O behind ``recover-crashed-runs``.

A run is *Crashed* when the process under it died: a worker or ``partnerflow up`` killed, a
host lost, an out-of-memory kill. Prefect never retries such a run by itself (measured: a worker
killed with 10 ``register-deal`` runs in flight left 10 Crashed runs and no registration). Every
partnerflow flow is safe to run again (its tasks are idempotent in the database), so a crashed
run is put back to *Scheduled* with its own parameters, a few times with growing delays, and
then left Crashed for an operator, with a warning in the log.

A run marked Crashed while it was *suspended* (waiting for a person's answer) had no process to
lose: under load the stopped-heartbeat watchdog has seen a late heartbeat after the suspension
and declared the run dead (#30). Rerunning it from the start would fail, since Prefect has
already fired that round's pause, so it is put back in the very suspension it was in (same
pause key, timeout and form), where the answer it waits for can still resume it. That does not
count as one of its crashes.
"""

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from prefect import get_run_logger, task
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import FlowRun, State, StateType
from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter
from prefect.states import Crashed, Scheduled

from partnerflow.clock import SYSTEM_CLOCK
from partnerflow.context import context
from partnerflow.orchestration.watchdogs import PROGRAMME_TAG, UNRESPONSIVE_AFTER
from tasks.settings import SWEEP

RERUN_DELAYS = (timedelta(seconds=5), timedelta(seconds=60), timedelta(minutes=5))
SWEEP_WINDOW = timedelta(days=1)
FLOW_RUN_RESOURCE_PREFIX = "prefect.flow-run."
HEARTBEAT_EVENT = "prefect.flow-run.heartbeat"
EVENTS_PAGE = 50  # the most the server's /events/filter returns at once


@dataclass(frozen=True)
class RecoveryReport:
    """What one pass did: the runs found dead without a word (marked Crashed here), those
    scheduled again, and those left Crashed after too many tries."""

    rerun: list[str] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)
    suspended_again: list[str] = field(default_factory=list)
    found_dead: list[str] = field(default_factory=list)


def rerun_delay(crashes: int, allowed_reruns: int) -> timedelta | None:
    """The wait before the next run after ``crashes`` crashes, or None once the reruns are spent."""
    if crashes > allowed_reruns:
        return None
    return RERUN_DELAYS[min(crashes, len(RERUN_DELAYS)) - 1]


def flow_run_id_of(reference: str) -> UUID:
    """A flow run id, given as such or as the event resource ``prefect.flow-run.<id>``."""
    return UUID(reference.removeprefix(FLOW_RUN_RESOURCE_PREFIX))


@task(name="rerun-crashed-runs", **SWEEP)
async def rerun_crashed_runs(flow_run_reference: str | None) -> RecoveryReport:
    """Schedule again the crashed run named (or every crashed partnerflow run of the last day)."""
    ctx = context()
    allowed = ctx.settings.crash_reruns
    report = RecoveryReport()
    async with get_client() as client:
        if flow_run_reference:
            candidates = [await client.read_flow_run(flow_run_id_of(flow_run_reference))]
        else:
            start_timeout = timedelta(seconds=ctx.settings.run_start_timeout)
            report.found_dead.extend(
                await mark_silent_runs_crashed(client, UNRESPONSIVE_AFTER, start_timeout)
            )
            candidates = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.CRASHED])),
                    tags=FlowRunFilterTags(all_=[PROGRAMME_TAG]),
                    deployment_id=FlowRunFilterDeploymentId(is_null_=False),
                    start_time=FlowRunFilterStartTime(after_=ctx.clock.now() - SWEEP_WINDOW),
                ),
                limit=200,
            )
        for run in candidates:
            if not _is_recoverable(run):
                continue
            states = sorted(await client.read_flow_run_states(run.id), key=lambda state: state.timestamp)
            waiting = _suspension_before_crash(states)
            if waiting is not None:
                await client.set_flow_run_state(run.id, waiting, force=True)
                report.suspended_again.append(str(run.id))
                continue
            crashes = sum(
                1
                for before, state in itertools.pairwise(states)
                if state.is_crashed() and not before.is_paused()
            )
            delay = rerun_delay(crashes, allowed)
            if delay is None:
                get_run_logger().warning(
                    "run %s (%s) crashed %d times; left Crashed for an operator", run.name, run.id, crashes
                )
                report.given_up.append(str(run.id))
                continue
            await client.set_flow_run_state(
                run.id,
                Scheduled(
                    scheduled_time=ctx.clock.now() + delay,
                    message=f"crash {crashes} of {allowed + 1} allowed: run again by recover-crashed-runs",
                ),
                force=True,
            )
            report.rerun.append(str(run.id))
    return report


async def mark_silent_runs_crashed(
    client: PrefectClient, quiet_for: timedelta, start_timeout: timedelta
) -> list[str]:
    """Mark Crashed the partnerflow runs *Running* with no heartbeat for ``quiet_for`` and those
    *Pending* longer than ``start_timeout``: what the watchdogs do on an event, done
    again on every sweep so recovery never depends on that event surviving (on the SQLite
    Prefect server under load, the watchdog's events went to the dead-letter queue and a
    settlement stayed Running with no process for 73 minutes, holding its concurrency slot).
    The machine's time: heartbeats are the machine's, not the programme's clock."""
    now = SYSTEM_CLOCK.now()
    live = await client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType.RUNNING, StateType.PENDING])
            ),
            tags=FlowRunFilterTags(all_=[PROGRAMME_TAG]),
            deployment_id=FlowRunFilterDeploymentId(is_null_=False),
        ),
        limit=200,
    )
    quiet_since = now - quiet_for
    suspects = [
        run
        for run in live
        if run.state is not None
        and run.state.timestamp < (quiet_since if run.state.is_running() else now - start_timeout)
    ]
    running = [
        f"{FLOW_RUN_RESOURCE_PREFIX}{run.id}" for run in suspects if run.state and run.state.is_running()
    ]
    beating = await _heartbeats_since(client, running, quiet_since) if running else set()
    dead = []
    for run in suspects:
        if str(run.id) in beating:
            continue
        silent = "no heartbeat" if run.state and run.state.is_running() else "never started"
        await client.set_flow_run_state(
            run.id, Crashed(message=f"recover-crashed-runs: {silent}, no process left behind it"), force=True
        )
        dead.append(str(run.id))
    return dead


async def _heartbeats_since(client: PrefectClient, resources: list[str], since: datetime) -> set[str]:
    """The runs among ``resources`` that sent a heartbeat since ``since`` (read page by page:
    the server gives at most ``EVENTS_PAGE`` events at a time)."""
    page = await client.read_events(
        filter=EventFilter(
            occurred=EventOccurredFilter(since=since, until=SYSTEM_CLOCK.now() + timedelta(minutes=1)),
            event=EventNameFilter(name=[HEARTBEAT_EVENT]),
            resource=EventResourceFilter(id=resources),
        ),
        limit=EVENTS_PAGE,
    )
    beating = {event.resource.id.removeprefix(FLOW_RUN_RESOURCE_PREFIX) for event in page.events}
    while page.next_page is not None and len(beating) < len(resources):
        page = await client.read_events_page(str(page.next_page))
        beating |= {event.resource.id.removeprefix(FLOW_RUN_RESOURCE_PREFIX) for event in page.events}
    return beating


def _suspension_before_crash(states: list[State]) -> State | None:
    """A copy of the suspension the run was in when it was marked Crashed, if it was waiting."""
    if len(states) < 2 or not states[-1].is_crashed() or not states[-2].is_paused():
        return None
    waiting = states[-2]
    return State(
        type=waiting.type,
        name=waiting.name,
        message="put back: marked Crashed while it was waiting for an answer (no process to lose)",
        state_details=waiting.state_details,
    )


def _is_recoverable(run: FlowRun) -> bool:
    """A partnerflow deployment's run that is Crashed now (not already rescheduled by another pass)."""
    crashed = run.state is not None and run.state.type == StateType.CRASHED
    return crashed and run.deployment_id is not None and PROGRAMME_TAG in run.tags
