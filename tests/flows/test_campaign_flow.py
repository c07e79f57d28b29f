"""Campaign sign-offs on a real Prefect server: one suspended run per role, answered in any order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from flows.discount_campaign import campaign_signoff, discount_campaign
from partnerflow.campaigns.request import CampaignRequest
from partnerflow.models import Campaign, CampaignStatus
from partnerflow.notify import MailSink
from partnerflow.orchestration.resuming import resume_with_input
from partnerflow.orchestration.serving import served_in_thread
from tests.factories import campaign_request, mailed_invitation
from tests.flows.test_deal_registration_flow import form_schema, wait_for

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]


@pytest.fixture(scope="module")
def served_signoffs(prefect_server: None) -> Iterator[None]:
    with served_in_thread(campaign_signoff, name="partnerflow-campaign-tests"):
        yield


def answer(run_id: Any, engine: Engine, signer: str, **values: Any) -> None:
    """An operator answers a role's Resume form with the code from ``signer``'s e-mail."""
    _link, code = mailed_invitation(engine, signer)
    resume_with_input(run_id, {"comment": "", "decision": "approve", "approval_code": code, **values})


def test_three_roles_sign_in_parallel_in_any_order(
    served_signoffs: None, engine: Engine, signers: dict[str, str], smtp_server: MailSink
) -> None:
    result = discount_campaign(CampaignRequest.model_validate(campaign_request()))
    runs = result.signoff_runs
    assert sorted(runs) == ["channel-ops", "channel-sales", "supply-chain"]
    for run_id in runs.values():
        wait_for(run_id, pause_key="signoff-1")
    boxes = form_schema(runs["supply-chain"], "signoff-1")["properties"]
    assert [field["title"] for name, field in boxes.items() if name.startswith("allocation__")] == [
        "Rhône (69): 1 partner",  # a box per département with eligible partners, in the INSEE order
        "Paris (75): 1 partner",
    ]
    assert "allocation" not in boxes and "allocation__69" not in form_schema(runs["channel-ops"], "signoff-1")
    answer(runs["supply-chain"], engine, signers["supply-chain"], confirmed_quantity=900, allocation__69=300)
    resume_with_input(
        runs["channel-sales"], {"decision": "approve", "approval_code": "ABCDE-FGHJK"}
    )  # guessed
    answer(runs["channel-ops"], engine, signers["channel-ops"], programme_reference="PL-2026-12")
    wait_for(runs["channel-sales"], pause_key="signoff-2")
    answer(runs["channel-sales"], engine, signers["channel-sales"])
    for run_id in runs.values():
        final = wait_for(run_id, final=True)
        assert final.state is not None and final.state.is_completed()
    with Session(engine) as session:
        campaign = session.get(Campaign, result.campaign.campaign_id)
    assert campaign is not None and campaign.status == CampaignStatus.APPROVED
    assert (campaign.confirmed_quantity, campaign.programme_reference) == (900, "PL-2026-12")
    assert campaign.allocation == {"69": 300}
    assert len([m for m in smtp_server.messages() if "Validation demandée" in str(m["Subject"])]) == 3
