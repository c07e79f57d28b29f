"""The partner-health deployment on a real Prefect server: the month assessed, the report written,
the run waiting for a channel manager's actions, which reach the partner it chose."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prefect.artifacts import Artifact
from prefect.deployments import run_deployment
from sqlalchemy import Engine

from flows.partner_health import partner_health
from partnerflow.notify import MailSink
from partnerflow.orchestration.resuming import resume_with_input
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.settings import Settings
from tests.factories import mailed_invitation
from tests.flows.test_deal_registration_flow import wait_for
from tests.health.test_partner_health import build_network

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]


@pytest.fixture(scope="module")
def served_health(prefect_server: None) -> Iterator[None]:
    with served_in_thread(partner_health, name="partnerflow-health-tests"):
        yield


def test_a_month_is_reviewed_and_the_managers_actions_reach_the_partner(
    served_health: None, engine: Engine, settings: Settings, smtp_server: MailSink
) -> None:
    network = build_network(engine)
    run = run_deployment("partner-health/partner-health", parameters={"month": "2026-11"}, timeout=0)
    run_id = run.id  # type: ignore[union-attr]
    wait_for(run_id, pause_key="actions-1")
    assert sorted(p.name for p in settings.reports_dir.iterdir()) == [
        "partner-health-2026-11.csv",
        "partner-health-2026-11.html",
    ]
    _link, code = mailed_invitation(engine, "manager@vendor.example", "health_actions_requested")

    resume_with_input(run_id, {"decision": "approve", "approval_code": "manager@vendor.example"})
    wait_for(run_id, pause_key="actions-2")  # a typed e-mail address proves nothing: asked again
    resume_with_input(
        run_id,
        {
            "decision": "approve",
            "approval_code": code,
            f"actions__{network['Fading']}": "training-invitation",
        },
    )
    final = wait_for(run_id, final=True)

    assert final.state is not None and final.state.is_completed()
    published = Artifact.get("partner-health-2026-11")
    assert published is not None and "## Outcome" in str(published.data)
    assert f"(#{network['Fading']}): training-invitation" in str(published.data)
    to_partners = [m for m in smtp_server.messages() if str(m["To"]).endswith("@p.example")]
    assert [(str(m["To"]), str(m["Subject"])) for m in to_partners] == [
        ("fading@p.example", "Une invitation à notre formation partenaires")
    ]
