"""Deployments that refuse a parameter they do not have.

Prefect builds each deployment's parameter schema from its flow's signature and, with
``enforce_parameter_schema``, refuses a run whose parameters break it, but the schema lets
unknown names through: a run created with ``{"removal_id": 3, "admin": true}`` was accepted,
failed to start, and ``recover-crashed-runs`` ran it again into the same failure (#27). Once the
deployments are registered (``partnerflow up`` and ``serve`` do it after registering them,
``partnerflow automations apply`` after ``prefect deploy --all``), each partnerflow deployment's
schema gets ``additionalProperties: false``: the server then answers such a run with HTTP 409
naming the parameter, and no run exists.
"""

from __future__ import annotations

from typing import Any

from partnerflow.orchestration.watchdogs import PROGRAMME_TAG


async def refuse_unknown_parameters() -> list[str]:
    """Tighten every partnerflow deployment's parameter schema; the names of those changed."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterTags

    changed = []
    async with get_client() as client:
        deployments = await client.read_deployments(
            deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(all_=[PROGRAMME_TAG])), limit=200
        )
        for deployment in deployments:
            schema: dict[str, Any] = dict(deployment.parameter_openapi_schema or {})
            if schema.get("additionalProperties") is False:
                continue
            response = await client.request(
                "PATCH",
                "/deployments/{id}",
                path_params={"id": deployment.id},
                json={"parameter_openapi_schema": {**schema, "additionalProperties": False}},
            )
            response.raise_for_status()
            changed.append(deployment.name)
    return changed
