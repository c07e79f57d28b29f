"""A seeded database, the shipped deal policy and a renderer for registration tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.models import Partner, PartnerTier, Role
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import load_file
from partnerflow.registration.intake import IntakeResult, take_in
from partnerflow.settings import PROJECT_ROOT
from tests.factories import SHIPPED_DEAL_POLICY, add_partner, add_person

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RENDERER = TemplateRenderer(PROJECT_ROOT / "email_templates")
POLICY = load_file(SHIPPED_DEAL_POLICY)


def submission(partner_id: int, **changes: Any) -> dict[str, Any]:
    """A valid small deal in département 69 for Acme, with ``changes`` applied."""
    return {
        "partner_id": partner_id,
        "customer_name": "Acme Industrie SAS",
        "customer_email": "buyer@acme.fr",
        "customer_departement": "69",
        "product_lines": ["network"],
        "amount": "12000",
        "expected_close_on": "2027-02-15",
        **changes,
    }


def gold_partner(session: Session, name: str, email: str) -> Partner:
    partner = add_partner(session, name=name, territory="69", email=email)
    partner.tier, partner.certified = PartnerTier.GOLD, True
    session.add(partner)
    session.flush()
    return partner


@pytest.fixture
def network(engine: Engine) -> dict[str, int]:
    """Two certified gold partners in the Rhône, a registered newcomer, and reviewers."""
    with Session(engine) as session:
        first = gold_partner(session, "Azur Réseaux SAS", "contact@azur.example")
        second = gold_partner(session, "Boréal Systèmes SARL", "contact@boreal.example")
        newcomer = add_partner(session, name="Cap Data EURL", territory="69", email="hello@capdata.example")
        add_person(session, "manager@vendor.example", Role.CHANNEL_MANAGER)
        add_person(session, "director1@vendor.example", Role.CHANNEL_DIRECTOR)
        add_person(session, "director2@vendor.example", Role.CHANNEL_DIRECTOR)
        session.commit()
        return {"first": first.id or 0, "second": second.id or 0, "newcomer": newcomer.id or 0}


@pytest.fixture
def submit(engine: Engine) -> Callable[..., IntakeResult]:
    def _submit(raw: dict[str, Any], now: datetime = NOW) -> IntakeResult:
        with Session(engine) as session:
            result = take_in(session, raw, policy=POLICY, renderer=RENDERER, now=now)
            session.commit()
            return result

    return _submit
