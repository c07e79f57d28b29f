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
    schedules: list[dict[str, Any]] = field(default_factory=list)
    triggers: list[dict[str, Any]] = field(default_factory=list)
    # an int (runs beyond it wait their turn) or prefect.yaml's mapping {limit, collision_strategy}
    concurrency_limit: int | dict[str, Any] | None = None

    @property
    def entrypoint_path(self) -> Path:
        return PROJECT_ROOT / self.entrypoint.split(":", 1)[0]

    @property
    def resolved_entrypoint(self) -> str:
        """``/abs/path/flows/x.py:function``, loadable from any working directory."""
        return f"{self.entrypoint_path}:{self.entrypoint.split(':', 1)[1]}"


def read_deployments(path: Path = PREFECT_YAML) -> list[DeploymentSpec]:
    """The ``deployments:`` of ``path``, schedules kept as written (interval or cron, timezone)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = []
    for entry in document.get("deployments") or []:
        specs.append(
            DeploymentSpec(
                name=entry["name"],
                entrypoint=entry["entrypoint"],
                description=entry.get("description", ""),
                tags=list(entry.get("tags") or []),
                parameters=dict(entry.get("parameters") or {}),
                schedules=list(entry.get("schedules") or []),
                triggers=list(entry.get("triggers") or []),
                concurrency_limit=entry.get("concurrency_limit"),
            )
        )
    return specs
