"""Builders for test data: policy files written from the shipped ones, partners, people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.models import Partner, PartnerTier, Person, PersonRole, Registration, Role, Territory
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import load_file
from partnerflow.settings import PROJECT_ROOT

SHIPPED_DEAL_POLICY = PROJECT_ROOT / "policies" / "deal_registration" / "2026-01-01.yaml"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RENDERER = TemplateRenderer(PROJECT_ROOT / "email_templates")
POLICY = load_file(SHIPPED_DEAL_POLICY)


def write_policy(
    directory: Path, text: str, kind: str = "deal_registration", version: str = "2026-01-01"
) -> Path:
    """Write ``text`` as ``<directory>/<kind>/<version>.yaml`` and return its path."""
    path = directory / kind / f"{version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def shipped_deal_policy(**replacements: str) -> str:
    """The shipped deal policy text with each ``old=new`` substring replaced (must occur)."""
    text = SHIPPED_DEAL_POLICY.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, f"{old!r} not in the shipped policy"
        text = text.replace(old, new)
    return text


def deal_policy_version(version: str, effective_from: str, extra_rule: str = "") -> str:
    """The shipped deal policy re-dated as ``version``, optionally with a rule put first."""
    text = shipped_deal_policy()
    text = text.replace('version: "2026-01-01"', f'version: "{version}"')
    text = text.replace("effective_from: 2026-01-01", f"effective_from: {effective_from}")
    return text.replace("rules:\n", "rules:\n" + extra_rule, 1)


def add_partner(
    session: Session,
    *,
    name: str = "Réseaux Test SAS",
    territory: str = "69",
    locale: str = "fr",
    email: str = "contact@reseaux-test.example",
) -> Partner:
    if session.get(Territory, territory) is None:
        session.add(Territory(code=territory, name=f"Territory {territory}"))
        session.flush()
    partner = Partner(name=name, territory_code=territory, locale=locale, contact_emails=[email])
    session.add(partner)
    session.flush()
    return partner


def add_person(session: Session, email: str, *roles: Role) -> Person:
    person = Person(email=email, name=email.split("@")[0].title())
    session.add(person)
    session.flush()
    assert person.id is not None
    for role in roles:
        session.add(PersonRole(person_id=person.id, role=role))
    session.flush()
    session.refresh(person)
    return person


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


def load_registration(engine: Engine, registration_id: int) -> Registration:
    """The registration as stored now (a fresh session, so what other sessions committed)."""
    with Session(engine) as session:
        registration = session.get(Registration, registration_id)
        assert registration is not None
        return registration


CAMPAIGN_POLICY = load_file(PROJECT_ROOT / "policies" / "discount_campaign" / "2026-01-01.yaml")


def campaign_request(**changes: Any) -> dict[str, Any]:
    """A routine clearance campaign starting in 14 days, with ``changes`` applied."""
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
