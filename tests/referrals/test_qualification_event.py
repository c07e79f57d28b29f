"""The deal.closed event qualifies the referral of the company that won, on a real Prefect server."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.referral_qualification import qualify_referrals
from partnerflow.models import ReferralReward
from partnerflow.orchestration.deployments import read_deployments
from partnerflow.orchestration.prefect_api import emit_deal_closed
from partnerflow.orchestration.serving import deployment_trigger, served_in_thread
from tests.referrals.test_qualification import referral, sponsor, won

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]


def test_a_won_deal_of_a_referred_company_qualifies_its_referral_through_the_event(engine: Engine) -> None:
    [spec] = [spec for spec in read_deployments() if spec.name == "qualify-referrals"]
    triggers = {qualify_referrals.name: [deployment_trigger(entry) for entry in spec.triggers]}
    with Session(engine) as session:
        referral(session, sponsor(session))
        deal = won(session, "domain:filleul.example", date(2026, 10, 15), "40000")
        session.commit()
    with served_in_thread(qualify_referrals, name="partnerflow-referral-trigger-test", triggers=triggers):
        time.sleep(2)  # let the automation be registered before the event arrives
        emit_deal_closed(
            registration_id=deal,
            partner_id=1,
            customer="Filleul SAS",
            amount=Decimal("40000"),
            currency="EUR",
            closed_on=date(2026, 10, 15),
        )
        deadline, sides = time.monotonic() + 90, []
        while len(sides) < 2 and time.monotonic() < deadline:
            time.sleep(1)
            with Session(engine) as session:
                sides = sorted(r.side for r in session.exec(select(ReferralReward)))
    assert sides == ["referred", "sponsor"], "both rewards within 90 s of the event"
