"""The deal.closed event runs the accrue-commission deployment on a real Prefect server."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from datetime import time as clock_time
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.commission_accrual import accrue_commission
from partnerflow.models import CommissionLine
from partnerflow.orchestration.deployments import read_deployments
from partnerflow.orchestration.prefect_api import emit_deal_closed
from partnerflow.orchestration.serving import deployment_trigger, served_in_thread
from partnerflow.registration.protection import close_registration
from tests.factories import CLOSED_AS_RECORDED, submission

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]


def test_a_won_deal_is_accrued_by_the_event_trigger(engine: Engine, network: dict[str, int], submit) -> None:
    [spec] = [spec for spec in read_deployments() if spec.name == "accrue-commission"]
    triggers = {accrue_commission.name: [deployment_trigger(entry) for entry in spec.triggers]}
    with served_in_thread(accrue_commission, name="partnerflow-trigger-test", triggers=triggers):
        registration_id = submit(submission(network["first"])).registration_id
        with Session(engine) as session:
            close_registration(
                session,
                registration_id,
                won=True,
                amount=Decimal("50000"),
                closed_on=date(2027, 1, 15),
                actor="test",
                close_review=CLOSED_AS_RECORDED,
                now=datetime.combine(date(2027, 1, 15), clock_time(17), tzinfo=UTC),
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
