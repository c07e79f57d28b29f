"""A partnerflow run whose process died is scheduled again, a few times, then left for an operator."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State, StateType
from prefect.events import emit_event
from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter
from prefect.states import Crashed, Pending, Running

from flows.notification_delivery import deliver_notifications
from flows.run_recovery import recover_crashed_runs
from partnerflow.settings import Settings
from tasks.recovery import flow_run_id_of, mark_silent_runs_crashed, rerun_delay


def test_reruns_wait_longer_each_time_and_stop_after_the_allowed_number() -> None:
    assert [rerun_delay(crashes, allowed_reruns=3) for crashes in (1, 2, 3, 4)] == [
        timedelta(seconds=5),
        timedelta(seconds=60),
        timedelta(minutes=5),
        None,
    ]
    assert rerun_delay(1, allowed_reruns=0) is None


def test_a_run_is_named_by_its_id_or_by_its_event_resource() -> None:
    run = uuid4()
    assert flow_run_id_of(str(run)) == run
    assert flow_run_id_of(f"prefect.flow-run.{run}") == run


async def crashed_run(times: int, tags: list[str]) -> UUID:
    """A run of a deployment that crashed ``times`` times (its process died under it)."""
    deployment = await deliver_notifications.ato_deployment(name=f"recovery-{uuid4().hex[:8]}", tags=tags)
    deployment_id = await deployment.apply()
    async with get_client() as client:
        run = await client.create_flow_run_from_deployment(deployment_id, tags=tags)
        for _ in range(times):
            await client.set_flow_run_state(run.id, Running(), force=True)
            await client.set_flow_run_state(run.id, Crashed(message="worker killed"), force=True)
        return run.id


async def state_of(run_id: UUID) -> tuple[StateType, str]:
    async with get_client() as client:
        run = await client.read_flow_run(run_id)
    assert run.state is not None
    return run.state.type, run.state.message or ""


@pytest.mark.prefect
def test_a_crashed_run_named_by_its_event_is_scheduled_again(
    prefect_server: None, settings: Settings
) -> None:
    run_id = asyncio.run(crashed_run(times=1, tags=["partnerflow"]))

    report = asyncio.run(recover_crashed_runs(f"prefect.flow-run.{run_id}"))

    assert report.rerun == [str(run_id)]
    state, message = asyncio.run(state_of(run_id))
    assert state is StateType.SCHEDULED
    assert "crash 1 of 4 allowed" in message


@pytest.mark.prefect
def test_the_sweep_finds_crashed_runs_and_leaves_one_that_crashed_too_often(
    prefect_server: None, settings: Settings
) -> None:
    once = asyncio.run(crashed_run(times=1, tags=["partnerflow"]))
    too_often = asyncio.run(crashed_run(times=4, tags=["partnerflow"]))
    foreign = asyncio.run(crashed_run(times=1, tags=["someone-else"]))

    report = asyncio.run(recover_crashed_runs())

    assert str(once) in report.rerun
    assert report.given_up == [str(too_often)]
    assert asyncio.run(state_of(too_often))[0] is StateType.CRASHED
    assert asyncio.run(state_of(foreign))[0] is StateType.CRASHED


async def live_run(state: State, tags: list[str]) -> UUID:
    """A run of a deployment left in ``state`` (its process gone without a word)."""
    deployment = await deliver_notifications.ato_deployment(name=f"silent-{uuid4().hex[:8]}", tags=tags)
    deployment_id = await deployment.apply()
    async with get_client() as client:
        run = await client.create_flow_run_from_deployment(deployment_id, tags=tags)
        await client.set_flow_run_state(run.id, state, force=True)
        return run.id


async def heartbeat_seen(run_id: UUID) -> None:
    """A heartbeat of ``run_id``, as its process sends one, once the server has stored it."""
    resource = f"prefect.flow-run.{run_id}"
    emit_event("prefect.flow-run.heartbeat", resource={"prefect.resource.id": resource})
    async with get_client() as client:
        for _ in range(100):
            page = await client.read_events(
                filter=EventFilter(
                    event=EventNameFilter(name=["prefect.flow-run.heartbeat"]),
                    resource=EventResourceFilter(id=[resource]),
                ),
                limit=10,
            )
            if page.events:
                return
            await asyncio.sleep(0.2)
    raise TimeoutError("the heartbeat never reached the server")


@pytest.mark.prefect
def test_the_sweep_finds_runs_dead_without_a_word_and_runs_them_again(
    prefect_server: None, settings: Settings
) -> None:
    """On the SQLite server under load the watchdogs' events were dead-lettered: a settlement
    stayed Running with no process for 73 minutes. The 30-minute sweep does not need them (its
    thresholds are 90 s of silence and the start timeout; eight seconds here)."""
    silent = asyncio.run(live_run(Running(), ["partnerflow"]))
    beating = asyncio.run(live_run(Running(), ["partnerflow"]))
    stuck = asyncio.run(live_run(Pending(), ["partnerflow"]))
    foreign = asyncio.run(live_run(Running(), ["someone-else"]))
    time.sleep(9)
    asyncio.run(heartbeat_seen(beating))
    just_started = asyncio.run(live_run(Running(), ["partnerflow"]))

    dead = asyncio.run(silent_runs_marked(timedelta(seconds=8)))
    report = asyncio.run(recover_crashed_runs())

    assert {str(silent), str(stuck)} <= set(dead) and {str(silent), str(stuck)} <= set(report.rerun)
    assert set(dead) & {str(run) for run in (beating, just_started, foreign)} == set()
    assert [asyncio.run(state_of(run))[0] for run in (beating, just_started, foreign)] == [
        StateType.RUNNING
    ] * 3
    assert "no heartbeat" in asyncio.run(crash_message(silent))


async def silent_runs_marked(threshold: timedelta) -> list[str]:
    async with get_client() as client:
        return await mark_silent_runs_crashed(client, threshold, threshold)


async def crash_message(run_id: UUID) -> str:
    async with get_client() as client:
        states = await client.read_flow_run_states(run_id)
    return next(state.message or "" for state in states if state.is_crashed())
