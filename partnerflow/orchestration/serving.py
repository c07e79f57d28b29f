"""Serving the deployments of ``prefect.yaml`` from this machine (``partnerflow up`` and ``serve``).

``partnerflow up`` runs the runner in a child process (``partnerflow serve``) next to the Prefect
server, so that it can watch both and stop both (see :mod:`partnerflow.cli.supervision`).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from partnerflow.orchestration.deployments import DeploymentSpec, read_deployments
from partnerflow.orchestration.strict_parameters import refuse_unknown_parameters
from partnerflow.orchestration.watchdogs import HEARTBEAT_SECONDS, PROGRAMME_TAG, apply_watchdogs
from partnerflow.settings import get_settings

if TYPE_CHECKING:
    from prefect.runner import Runner

STOPPED_WHILE_RUNNING = (
    "partnerflow stopped serving while this run was in flight; it runs again when the deployments "
    "are served next"
)


def serve_all(api_url: str, specs: list[DeploymentSpec] | None = None) -> None:
    """Serve every deployment of ``prefect.yaml`` (schedules and triggers live) until interrupted."""
    os.environ["PREFECT_API_URL"] = api_url
    os.environ.setdefault("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", str(HEARTBEAT_SECONDS))  # the runs' env
    from prefect import Flow
    from prefect.deployments.runner import RunnerDeployment
    from prefect.exceptions import TerminationSignal
    from prefect.flows import load_flow_from_entrypoint

    intervals = get_settings().schedule_intervals
    runner = serving_runner(name="partnerflow")
    for spec in specs or read_deployments():
        flow: Flow[..., Any] = load_flow_from_entrypoint(spec.resolved_entrypoint)
        deployment = flow.to_deployment(
            name=spec.name,
            description=spec.description,
            tags=spec.tags,
            parameters=spec.parameters,
            schedules=_schedules(spec, intervals.get(spec.name)),
            triggers=[deployment_trigger(entry) for entry in spec.triggers] or None,
            enforce_parameter_schema=True,
            concurrency_limit=deployment_concurrency(spec.concurrency_limit),
        )
        assert isinstance(deployment, RunnerDeployment)  # sync call: not a coroutine
        runner.add_deployment(deployment)
    asyncio.run(apply_watchdogs(timedelta(seconds=get_settings().run_start_timeout)))
    asyncio.run(refuse_unknown_parameters())
    with suppress(KeyboardInterrupt, TerminationSignal):
        asyncio.run(runner.start())


def start_serving_process(api_url: str) -> subprocess.Popen[bytes]:
    """``partnerflow serve`` in its own process group, its output on ours (the runs' logs)."""
    environment = {**os.environ, "PREFECT_API_URL": api_url}
    command = [sys.executable, "-m", "partnerflow", "serve", "--api-url", api_url]
    return subprocess.Popen(command, env=environment, start_new_session=True)


def start_web_process(api_url: str, host: str, port: int) -> subprocess.Popen[bytes]:
    """``partnerflow web`` (the approval page) in its own process group, resuming runs on ``api_url``."""
    environment = {**os.environ, "PREFECT_API_URL": api_url}
    command = [sys.executable, "-m", "partnerflow", "web", "--host", host, "--port", str(port)]
    return subprocess.Popen(command, env=environment, start_new_session=True)


def serving_runner(name: str, query_seconds: float | None = None) -> Runner:
    """A Prefect runner that, when stopped, never rewrites the state of a run that is not running.

    Prefect 3.8.8's runner, on stop, force-sets *Cancelled* on every run it still tracks: runs
    that completed or suspended a moment before were shown Cancelled ("Runner is shutting
    down"), the paid settlement included. This one leaves finished and suspended runs alone and
    puts the runs it interrupts back to *Scheduled*, so they run again instead of being lost.
    """
    from prefect.runner import Runner
    from prefect.states import Scheduled

    class ServingRunner(Runner):
        async def cancel_all(self) -> None:
            for flow_run_id in self._process_manager.flow_run_ids():
                flow_run = await self._client.read_flow_run(flow_run_id)
                if flow_run.state is None or not (flow_run.state.is_running() or flow_run.state.is_pending()):
                    continue
                with suppress(ProcessLookupError):
                    await self._process_manager.kill(flow_run_id, grace_seconds=10)
                await self._client.set_flow_run_state(
                    flow_run_id, Scheduled(message=STOPPED_WHILE_RUNNING), force=True
                )

    options: dict[str, Any] = {} if query_seconds is None else {"query_seconds": query_seconds}
    return ServingRunner(name=name, pause_on_shutdown=False, **options)


def deployment_concurrency(entry: int | dict[str, Any] | None) -> Any:
    """``prefect.yaml``'s ``concurrency_limit`` (a number, or a limit and a collision strategy) as
    ``to_deployment`` takes it; ``prefect deploy`` reads both forms itself."""
    if isinstance(entry, dict):
        from prefect.client.schemas.objects import ConcurrencyLimitConfig

        return ConcurrencyLimitConfig.model_validate(entry)
    return entry


def _schedules(spec: DeploymentSpec, interval_override: float | None) -> list[Any]:
    """The deployment's schedules, or one interval when the settings shorten it (trials, tests)."""
    if interval_override is not None:
        return [_schedule({"interval": interval_override})]
    return [_schedule(entry) for entry in spec.schedules]


def _schedule(entry: dict[str, Any]) -> Any:
    """A ``prefect.yaml`` schedule entry (``interval`` seconds or ``cron``, optional timezone)."""
    from prefect.schedules import Cron, Interval

    timezone = entry.get("timezone")
    if "cron" in entry:
        return Cron(entry["cron"], timezone=timezone)
    return Interval(float(entry["interval"]), timezone=timezone)


def deployment_trigger(entry: dict[str, Any]) -> Any:
    """A ``prefect.yaml`` event trigger, as the deployment trigger Prefect's serve() expects."""
    from prefect.events import DeploymentEventTrigger

    return DeploymentEventTrigger(**{key: value for key, value in entry.items() if key != "type"})


@contextmanager
def served_in_thread(
    *flows: Any,
    name: str = "partnerflow",
    triggers: dict[str, list[Any]] | None = None,
) -> Iterator[None]:
    """Serve ``flows`` as deployments from a background thread (runner polling every second).

    For the demo and tests, where this process must keep going (start runs, answer their forms)
    while the runner picks them up. ``triggers`` maps a flow name to its deployment triggers.
    The deployments carry the programme's tag, as ``prefect.yaml``'s do (the watchdogs and the
    crash recovery act only on tagged runs), and refuse unknown parameters as ``serve``'s do.
    """
    runner = serving_runner(name=name, query_seconds=1)
    loop = asyncio.new_event_loop()
    for flow in flows:
        loop.run_until_complete(
            runner.aadd_flow(
                flow, name=flow.name, triggers=(triggers or {}).get(flow.name), tags=[PROGRAMME_TAG]
            )
        )
    loop.run_until_complete(refuse_unknown_parameters())
    thread = threading.Thread(target=loop.run_until_complete, args=(runner.start(),), daemon=True)
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(lambda: asyncio.ensure_future(runner.astop()))
        thread.join(timeout=20)
