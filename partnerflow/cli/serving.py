"""``partnerflow up``: a local Prefect server, the SMTP sink and every deployment served."""

from __future__ import annotations

import os
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
            triggers=[_trigger(entry) for entry in spec.triggers] or None,
            enforce_parameter_schema=True,
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


def _trigger(entry: dict[str, Any]) -> Any:
    """A ``prefect.yaml`` event trigger, as the deployment trigger Prefect's serve() expects."""
    from prefect.events import DeploymentEventTrigger

    return DeploymentEventTrigger(**{key: value for key, value in entry.items() if key != "type"})
