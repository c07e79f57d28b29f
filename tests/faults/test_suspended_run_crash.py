"""A review run marked Crashed while it waits for its directors is put back where it waited.

Under load the stopped-heartbeat watchdog once declared a *suspended* review run dead (a late
heartbeat re-armed it after the suspension); ``recover-crashed-runs`` then reran it from the
start, the rerun failed inside ``suspend_flow_run`` (that round's pause had already fired) and a
four-eyes deal stayed pending with no run (#30). Here the run is marked Crashed exactly as the
watchdog's action does, the recovery runs as the Crashed event triggers it, and the directors'
answers must still decide the deal, with their codes kept nowhere in Prefect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.states import Crashed
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.deal_registration import register_deal, review_registration
from flows.run_recovery import recover_crashed_runs
from partnerflow.models import Registration, RegistrationStatus
from partnerflow.notify import MailSink
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.orchestration.watchdogs import NAME_PREFIX
from tests.factories import mailed_invitation
from tests.flows.test_deal_registration_flow import (
    answer,
    four_eyes_deal_waiting,
    read_run,
    stored_inputs,
    wait_for,
)

pytestmark = [
    pytest.mark.prefect,
    pytest.mark.usefixtures("prefect_server"),
    # SQLite only: the served flow and the test share the settings' database file
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


@pytest.fixture(scope="module")
def served_review(prefect_server: None) -> Iterator[None]:
    with served_in_thread(register_deal, review_registration, name="partnerflow-suspended-crash-tests"):
        yield


async def mark_crashed_as_the_watchdog_does(flow_run_id: Any) -> None:
    """The stopped-heartbeat automation's action: a Crashed state, proposed without force."""
    async with get_client() as client:
        await client.set_flow_run_state(flow_run_id, Crashed(message=f"{NAME_PREFIX}no heartbeat for 90 s"))


def test_a_waiting_review_marked_crashed_waits_again_and_the_directors_still_decide(
    served_review: None, engine: Engine, network: dict[str, int], smtp_server: MailSink
) -> None:
    flow_run = read_run(four_eyes_deal_waiting(network))
    asyncio.run(mark_crashed_as_the_watchdog_does(flow_run.id))
    crashed = read_run(flow_run.id).state
    assert crashed is not None and crashed.is_crashed(), "Prefect lets an automation crash a suspended run"

    report = asyncio.run(recover_crashed_runs(f"prefect.flow-run.{flow_run.id}"))

    assert (report.suspended_again, report.rerun) == ([str(flow_run.id)], [])
    waiting = read_run(flow_run.id).state
    assert waiting is not None and waiting.is_paused() and waiting.state_details.pause_key == "review-1"
    _link, first = mailed_invitation(engine, "director1@vendor.example")
    _link, second = mailed_invitation(engine, "director2@vendor.example")
    answer(flow_run.id, "approve", first)
    wait_for(flow_run.id, pause_key="review-2")
    answer(flow_run.id, "approve", second)
    final = wait_for(flow_run.id, final=True)

    assert final.state is not None and final.state.is_completed(), final.state
    with Session(engine) as session:
        registration = session.exec(select(Registration)).one()
    assert registration.status == RegistrationStatus.APPROVED
    kept = " ".join(stored_inputs(flow_run.id))
    assert first not in kept and second not in kept, "Prefect keeps no code once the run has read it"


def test_a_round_whose_stored_answer_vanished_is_replayed_and_the_decision_goes_on(
    served_review: None, engine: Engine, network: dict[str, int], smtp_server: MailSink
) -> None:
    """The run strikes a code by deleting Prefect's copy of the answer and storing it again; a
    run that died in between finds no answer for that round when it replays it."""
    from prefect.input.actions import delete_flow_run_input

    flow_run = read_run(four_eyes_deal_waiting(network))
    _link, first = mailed_invitation(engine, "director1@vendor.example")
    _link, second = mailed_invitation(engine, "director2@vendor.example")
    answer(flow_run.id, "approve", first)
    wait_for(flow_run.id, pause_key="review-2")
    delete_flow_run_input("suspended-review-1-response", flow_run_id=flow_run.id)
    answer(flow_run.id, "approve", second)  # the run replays round 1 before it takes round 2

    final = wait_for(flow_run.id, final=True)

    assert final.state is not None and final.state.is_completed(), final.state
    with Session(engine) as session:
        assert session.exec(select(Registration)).one().status == RegistrationStatus.APPROVED
