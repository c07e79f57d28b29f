"""Stopping a runner leaves finished and waiting runs as they are (Prefect's own stop did not)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from sqlalchemy import Engine

from flows.deal_registration import register_deal, review_registration
from partnerflow.notify import MailSink
from partnerflow.orchestration.serving import served_in_thread
from tests.factories import submission

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]


def state_name(flow_run_id: Any) -> str:
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(flow_run_id).state
    return state.name if state is not None else ""


def wait_until(flow_run_id: Any, *names: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while state_name(flow_run_id) not in names:
        assert time.monotonic() < deadline, f"run {flow_run_id} stayed {state_name(flow_run_id)}"
        time.sleep(0.2)


def test_runs_that_completed_or_wait_for_a_review_keep_their_state_when_the_runner_stops(
    engine: Engine, network: dict[str, int], smtp_server: MailSink
) -> None:
    with served_in_thread(register_deal, review_registration, name="partnerflow-stop-test"):
        approved = run_deployment(
            "register-deal/register-deal", timeout=0, parameters={"submission": submission(network["first"])}
        )
        reviewed = run_deployment(
            "register-deal/register-deal",
            timeout=0,
            parameters={"submission": submission(network["newcomer"], customer_email="buyer@other.fr")},
        )
        wait_until(approved.id, "Completed")
        wait_until(reviewed.id, "Suspended")

    assert state_name(approved.id) == "Completed"
    assert state_name(reviewed.id) == "Suspended"
