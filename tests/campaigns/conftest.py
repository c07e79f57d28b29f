"""A small network with signers for every role, and campaign requests to start from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.campaigns.intake import CampaignResult, take_in_campaign
from partnerflow.models import PartnerTier, Role
from partnerflow.policy import load_file
from partnerflow.settings import PROJECT_ROOT
from tests.factories import NOW, add_partner, add_person

CAMPAIGN_POLICY = load_file(PROJECT_ROOT / "policies" / "discount_campaign" / "2026-01-01.yaml")


def campaign_request(**changes: Any) -> dict[str, Any]:
    start = NOW.date() + timedelta(days=14)
    return {
        "name": "Switches 24 ports fin de série",
        "product_line": "network",
        "skus": ["SW-24P-POE"],
        "discount_pct": "25",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=30)).isoformat(),
        "quantity": 1200,
        "stock_value": "180000",
        "tiers": [],
        "territories": [],
        "requester_email": "marketing@vendor.example",
        "rationale": "End of life of the 24-port range.",
        **changes,
    }


@pytest.fixture
def signers(engine: Engine) -> dict[str, str]:
    """Partners in three tiers and one signer per role (plus a finance person)."""
    with Session(engine) as session:
        for number, (tier, locale) in enumerate(
            [(PartnerTier.GOLD, "fr"), (PartnerTier.SILVER, "en"), (PartnerTier.REGISTERED, "fr")]
        ):
            partner = add_partner(
                session,
                name=f"Partner {number} SAS",
                territory="69" if number else "75",
                locale=locale,
                email=f"p{number}@partners.example",
            )
            partner.tier = tier
            session.add(partner)
        emails = {
            role.value: f"{role.value}@vendor.example"
            for role in (Role.CHANNEL_SALES, Role.CHANNEL_OPS, Role.SUPPLY_CHAIN, Role.FINANCE)
        }
        for role, email in emails.items():
            add_person(session, email, Role(role))
        session.commit()
    return emails


@pytest.fixture
def request_campaign(engine: Engine, signers: dict[str, str]) -> Callable[..., CampaignResult]:
    def _request(raw: dict[str, Any] | None = None) -> CampaignResult:
        with Session(engine) as session:
            result = take_in_campaign(session, raw or campaign_request(), policy=CAMPAIGN_POLICY, now=NOW)
            session.commit()
            return result

    return _request


def days_after(start: date, days: int) -> date:
    return start + timedelta(days=days)
