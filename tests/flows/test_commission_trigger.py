"""The deal.closed event runs the accrue-commission deployment on a real Prefect server."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from prefect.runner import Runner
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.commission_accrual import accrue_commission
from partnerflow.cli.prefect_api import emit_deal_closed
from partnerflow.cli.serving import _trigger
from partnerflow.deployments import read_deployments
from partnerflow.models import CommissionLine
from partnerflow.registration.protection import close_registration
from tests.factories import submission

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]


def test_a_won_deal_is_accrued_by_the_event_trigger(engine: Engine, network: dict[str, int], submit) -> None:
    [spec] = [spec for spec in read_deployments() if spec.name == "accrue-commission"]
    runner = Runner(name="partnerflow-trigger-test", query_seconds=1, pause_on_shutdown=False)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(
        runner.aadd_flow(
            accrue_commission, name=spec.name, triggers=[_trigger(entry) for entry in spec.triggers]
        )
    )
    thread = threading.Thread(target=loop.run_until_complete, args=(runner.start(),), daemon=True)
    thread.start()
    try:
        registration_id = submit(submission(network["first"])).registration_id
        with Session(engine) as session:
            close_registration(
                session,
                registration_id,
                won=True,
                amount=Decimal("50000"),
                closed_on=date(2027, 1, 15),
                actor="test",
            )
            session.commit()
        time.sleep(2)  # let the automation be registered before the event arrives
        emit_deal_closed(
            registration_id=registration_id,
            partner_id=network["first"],
            customer="Acme",
            amount=Decimal("50000"),
            currency="EUR",
            closed_on=date(2027, 1, 15),
        )
        deadline, line = time.monotonic() + 90, None
        while line is None and time.monotonic() < deadline:
            time.sleep(1)
            with Session(engine) as session:
                line = session.exec(select(CommissionLine)).first()
        assert line is not None, "no accrual within 90 s of the event"
        assert (line.registration_id, line.amount) == (registration_id, Decimal("3500.00"))
    finally:
        loop.call_soon_threadsafe(lambda: asyncio.ensure_future(runner.astop()))
        thread.join(timeout=20)
