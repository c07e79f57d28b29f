"""``partnerflow up``: a local Prefect server, the SMTP sink and every deployment served."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from partnerflow.deployments import DeploymentSpec, read_deployments


def serve_all(api_url: str, specs: list[DeploymentSpec] | None = None) -> None:
    """Serve every deployment of ``prefect.yaml`` (schedules live) until interrupted."""
    os.environ["PREFECT_API_URL"] = api_url
    from prefect import Flow, serve
    from prefect.deployments.runner import RunnerDeployment
    from prefect.flows import load_flow_from_entrypoint

    deployments: list[RunnerDeployment] = []
    for spec in specs or read_deployments():
        flow: Flow[..., Any] = load_flow_from_entrypoint(spec.resolved_entrypoint)
        deployment = flow.to_deployment(
            name=spec.name,
            description=spec.description,
            tags=spec.tags,
            parameters=spec.parameters,
            schedules=[_schedule(entry) for entry in spec.schedules],
            triggers=[deployment_trigger(entry) for entry in spec.triggers] or None,
            enforce_parameter_schema=True,
            concurrency_limit=spec.concurrency_limit,
        )
        assert isinstance(deployment, RunnerDeployment)  # sync call: not a coroutine
        deployments.append(deployment)
    serve(*deployments, pause_on_shutdown=False)


def prefect_home(var_dir: Path) -> Path:
    return var_dir / "prefect"


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
    """
    from prefect.runner import Runner

    runner = Runner(name=name, query_seconds=1, pause_on_shutdown=False)
    loop = asyncio.new_event_loop()
    for flow in flows:
        loop.run_until_complete(
            runner.aadd_flow(flow, name=flow.name, triggers=(triggers or {}).get(flow.name))
        )
    thread = threading.Thread(target=loop.run_until_complete, args=(runner.start(),), daemon=True)
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(lambda: asyncio.ensure_future(runner.astop()))
        thread.join(timeout=20)
