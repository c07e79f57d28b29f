"""``partnerflow up``: a local Prefect server, the SMTP sink and every deployment served."""

from __future__ import annotations

import os
from pathlib import Path

from partnerflow.deployments import DeploymentSpec, read_deployments


def serve_all(api_url: str, specs: list[DeploymentSpec] | None = None) -> None:
    """Serve every deployment of ``prefect.yaml`` (schedules live) until interrupted."""
    os.environ["PREFECT_API_URL"] = api_url
    from prefect import serve
    from prefect.flows import load_flow_from_entrypoint

    deployments = []
    for spec in specs or read_deployments():
        flow = load_flow_from_entrypoint(
            str(spec.entrypoint_path) + ":" + spec.entrypoint.split(":")[1]
        )
        deployments.append(
            flow.to_deployment(
                name=spec.name,
                description=spec.description,
                tags=spec.tags,
                parameters=spec.parameters,
                interval=spec.interval_seconds or None,
                cron=spec.cron or None,
                triggers=spec.triggers or None,  # type: ignore[arg-type]
                enforce_parameter_schema=True,
            )
        )
    serve(*deployments, pause_on_shutdown=False)


def prefect_home(var_dir: Path) -> Path:
    return var_dir / "prefect"
