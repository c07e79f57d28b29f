"""Reading ``prefect.yaml``: the deployment entries, as plain data, for ``partnerflow up`` and tests.

Kept free of Prefect imports: callers turn each :class:`DeploymentSpec` into a Prefect deployment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from partnerflow.settings import PROJECT_ROOT

PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    interval_seconds: list[float] = field(default_factory=list)
    cron: list[str] = field(default_factory=list)
    triggers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def entrypoint_path(self) -> Path:
        return PROJECT_ROOT / self.entrypoint.split(":", 1)[0]

    @property
    def resolved_entrypoint(self) -> str:
        """``/abs/path/flows/x.py:function``, loadable from any working directory."""
        return f"{self.entrypoint_path}:{self.entrypoint.split(':', 1)[1]}"


def read_deployments(path: Path = PREFECT_YAML) -> list[DeploymentSpec]:
    """The ``deployments:`` of ``path``, with schedules split into intervals and crons."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = []
    for entry in document.get("deployments") or []:
        schedules = entry.get("schedules") or []
        specs.append(
            DeploymentSpec(
                name=entry["name"],
                entrypoint=entry["entrypoint"],
                description=entry.get("description", ""),
                tags=list(entry.get("tags") or []),
                parameters=dict(entry.get("parameters") or {}),
                interval_seconds=[float(s["interval"]) for s in schedules if "interval" in s],
                cron=[str(s["cron"]) for s in schedules if "cron" in s],
                triggers=list(entry.get("triggers") or []),
            )
        )
    return specs
