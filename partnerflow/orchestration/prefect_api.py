"""The few Prefect calls the command line makes (imported lazily: the core stays Prefect-free).

Each helper talks to the server at ``PREFECT_API_URL`` (``partnerflow up`` prints it) and turns
"no server" into a :class:`PrefectUnavailable` the commands can explain.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from partnerflow.secret_files import read_or_create_secret
from partnerflow.settings import get_settings

# Prefect's client errors when a server is down or refuses: OS-level and HTTP-level.
UNREACHABLE = (OSError, httpx.HTTPError)


class PrefectUnavailable(Exception):
    """No Prefect server answered, or it lacks the deployment: start ``partnerflow up``."""


def use_local_server_by_default() -> None:
    """Talk to the server ``partnerflow up`` runs, unless PREFECT_API_URL says otherwise, with the
    auth string ``up`` made for it, unless PREFECT_API_AUTH_STRING says otherwise.

    Without the URL every command would start a temporary Prefect server of its own (10-16 s) and
    the runs it creates would vanish with it; without the auth string ``up``'s API refuses it.
    """
    settings = get_settings()
    os.environ.setdefault("PREFECT_API_URL", f"{settings.prefect_ui_url}/api")
    made = local_api_auth_file(settings.prefect_home)
    if "PREFECT_API_AUTH_STRING" not in os.environ and made.is_file():
        os.environ["PREFECT_API_AUTH_STRING"] = _made_auth_string(made)


def local_api_auth_file(prefect_home: Path) -> Path:
    """Where ``partnerflow up`` keeps the secret of the Prefect API's auth string (mode 600)."""
    return prefect_home / "api-auth"


def _made_auth_string(path: Path) -> str:
    """The auth string ``up`` made: ``partnerflow:<the file's secret>`` (the UI's user:password)."""
    return f"partnerflow:{read_or_create_secret(path)}"


def protect_local_api(prefect_home: Path) -> Path | None:
    """Make the Prefect API that ``up`` starts require an auth string, and every process ``up``
    starts send it: ``PREFECT_SERVER_API_AUTH_STRING`` if set (returns None), else one made once
    in ``local_api_auth_file`` (returned: the UI asks for it). Measured before: with ``up``'s
    default, any local process could read a waiting run's input and resume it."""
    given = os.environ.get("PREFECT_SERVER_API_AUTH_STRING")
    made = None if given else local_api_auth_file(prefect_home)
    secret = given or _made_auth_string(local_api_auth_file(prefect_home))
    os.environ["PREFECT_SERVER_API_AUTH_STRING"] = secret
    os.environ.setdefault("PREFECT_API_AUTH_STRING", secret)
    return made


def resume_run(flow_run_id: str, run_input: dict[str, Any]) -> None:
    """Resume a suspended run with form values, exactly as the UI's Resume button does."""
    use_local_server_by_default()
    from prefect.exceptions import FlowPauseTimeout, NotPausedError, ObjectNotFound

    from partnerflow.orchestration.resuming import resume_with_input

    try:
        resume_with_input(flow_run_id, run_input)
    except NotPausedError:
        raise PrefectUnavailable(
            f"flow run {flow_run_id} is not waiting for a decision right now "
            "(it resumes within seconds after each answer; try again)"
        ) from None
    except (FlowPauseTimeout, ObjectNotFound) as error:
        raise PrefectUnavailable(f"flow run {flow_run_id} cannot be resumed: {error}") from None
    except UNREACHABLE as error:
        raise PrefectUnavailable(f"no Prefect server answered ({error}); run `partnerflow up`") from None


def wake_waiting_run(flow_run_id: str, run_input: dict[str, Any]) -> bool:
    """Wake a run after an answer was recorded for it; False if it was not waiting (see
    :func:`partnerflow.orchestration.resuming.wake_run`)."""
    use_local_server_by_default()
    from prefect.exceptions import FlowPauseTimeout, ObjectNotFound

    from partnerflow.orchestration.resuming import wake_run

    try:
        return wake_run(flow_run_id, run_input)
    except (FlowPauseTimeout, ObjectNotFound):
        return False
    except UNREACHABLE as error:
        raise PrefectUnavailable(f"no Prefect server answered ({error}); run `partnerflow up`") from None


def start_run(deployment: str, parameters: dict[str, Any]) -> str:
    """Start a run of ``deployment`` (``flow-name/deployment-name``) now; returns its id."""
    use_local_server_by_default()
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    try:
        run = run_deployment(deployment, timeout=0, as_subflow=False, parameters=parameters)
    except ObjectNotFound:
        raise PrefectUnavailable(f"the {deployment} deployment is not served; run `partnerflow up`") from None
    except UNREACHABLE as error:
        raise PrefectUnavailable(f"no Prefect server answered ({error}); run `partnerflow up`") from None
    assert isinstance(run, FlowRun)  # called synchronously
    return str(run.id)


def emit_deal_closed(
    *, registration_id: int, partner_id: int, customer: str, amount: Decimal, currency: str, closed_on: date
) -> None:
    """Emit ``partnerflow.deal.closed`` (the commission process listens to it)."""
    use_local_server_by_default()
    from prefect.events import emit_event

    emit_event(
        event="partnerflow.deal.closed",
        resource={
            "prefect.resource.id": f"partnerflow.registration.{registration_id}",
            "prefect.resource.name": customer,
        },
        related=[
            {"prefect.resource.id": f"partnerflow.partner.{partner_id}", "prefect.resource.role": "partner"}
        ],
        payload={
            "registration_id": registration_id,
            "partner_id": partner_id,
            "amount": str(amount),
            "currency": currency,
            "closed_on": closed_on.isoformat(),
        },
    )
