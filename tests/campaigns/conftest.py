"""Campaign requests taken in with the shipped 2026-01-01 campaign policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.campaigns.intake import CampaignResult, take_in_campaign
from tests.factories import CAMPAIGN_POLICY, NOW, campaign_request


@pytest.fixture
def request_campaign(engine: Engine, signers: dict[str, str]) -> Callable[..., CampaignResult]:
    def _request(raw: dict[str, Any] | None = None) -> CampaignResult:
        with Session(engine) as session:
            result = take_in_campaign(session, raw or campaign_request(), policy=CAMPAIGN_POLICY, now=NOW)
            session.commit()
            return result

    return _request
