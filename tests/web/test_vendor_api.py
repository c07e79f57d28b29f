"""The vendor's own systems on the API (#26): a vendor key reads every partner's registrations
in the order they were made, a sync continuing after the last one it read; it opens no
partner's route, and no partner's key opens it; the channel team makes and revokes it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import Role
from partnerflow.partner_access import make_api_key
from tests.factories import LINKS, NOW, submission
from tests.test_api_key_cli import link_of
from tests.web.test_partner_api import bearer, key_for, serve

KEY = re.compile(r"pfk_[0-9a-f]{12}_[\w-]+")
runner = CliRunner()


@pytest.fixture
def api(settings: object, engine: Engine, started: list[int]) -> Iterator[httpx.Client]:
    yield from serve(settings, started)  # type: ignore[arg-type]


def vendor_key(engine: Engine, scope: str = "vendor:registrations:read") -> str:
    with Session(engine) as session:
        made = make_api_key(
            session,
            LINKS.keys,
            None,
            name="CRM sync",
            scopes=[scope],
            created_by="t",
            now=NOW,
        )
        session.commit()
    return made.key


def test_the_vendors_crm_reads_every_partners_registrations_and_continues_where_it_stopped(
    api: httpx.Client, engine: Engine, network: dict[str, int], submit: object
) -> None:
    for partner in ("first", "second", "first"):
        submit(submission(network[partner]))  # type: ignore[operator]
    key = vendor_key(engine)

    first = api.get("/vendor/registrations", params={"limit": 2}, headers=bearer(key)).json()
    rest = api.get(
        "/vendor/registrations", params={"after": first["next_cursor"]}, headers=bearer(key)
    ).json()
    seconds = api.get("/vendor/registrations", params={"partner_id": network["second"]}, headers=bearer(key))

    ids = [row["id"] for row in first["data"] + rest["data"]]
    assert ids == sorted(ids) and len(ids) == 3 and rest["next_cursor"] is None
    assert [row["partner_id"] for row in first["data"] + rest["data"]] == [
        network["first"],
        network["second"],
        network["first"],
    ]
    assert [row["partner_id"] for row in seconds.json()["data"]] == [network["second"]]


def test_a_vendor_key_opens_no_partners_route_and_no_partners_key_opens_the_vendors(
    api: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    vendor = vendor_key(engine)
    partner = key_for(engine, network["first"])

    assert api.get("/registrations", headers=bearer(vendor)).status_code == 403
    assert api.get("/vendor/registrations", headers=bearer(partner)).status_code == 403
    with Session(engine) as session, pytest.raises(ValueError, match="scopes must be among"):
        make_api_key(
            session, LINKS.keys, None, name="x", scopes=["registrations:write"], created_by="t", now=NOW
        )
    with Session(engine) as session, pytest.raises(ValueError, match="scopes must be among"):
        make_api_key(
            session,
            LINKS.keys,
            network["first"],
            name="x",
            scopes=["vendor:registrations:read"],
            created_by="t",
            now=NOW,
        )


def test_the_channel_team_makes_a_vendor_key_once_and_revokes_it(
    api: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    made = runner.invoke(
        app,
        [
            "vendor-keys",
            "create",
            "--name",
            "CRM sync",
            "--scope",
            "vendor:registrations:read",
            "--operator-link",
            link_of(engine, "owner@vendor.example", Role.PROGRAMME_OWNER),
        ],
    )
    assert made.exit_code == 0, made.output
    [key] = KEY.findall(made.output)
    listed = runner.invoke(app, ["vendor-keys", "list", "--json"])
    assert key not in listed.output and key.split("_")[1] in listed.output
    assert api.get("/vendor/registrations", headers=bearer(key)).status_code == 200

    revoked = runner.invoke(
        app,
        [
            "partners",
            "api-key",
            "revoke",
            key.split("_")[1],
            "--operator-link",
            link_of(engine, "ops@vendor.example", Role.CHANNEL_OPS),
        ],
    )
    assert revoked.exit_code == 0, revoked.output
    assert api.get("/vendor/registrations", headers=bearer(key)).status_code == 401


LEAD = {
    "external_id": "WEB-1",
    "company": "Boulangerie Martin",
    "contact_name": "Claire Martin",
    "contact_email": "claire@martin.example",
    "departement": "69",
    "product_lines": ["network"],
    "source": "web",
    "consent": True,
}


def test_the_vendors_web_forms_hand_leads_in_once_each_and_a_refusal_names_its_fields(
    api: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    from partnerflow.models import Lead, LeadState

    key = bearer(vendor_key(engine, "vendor:leads:write"))
    first = api.post("/vendor/leads", json=LEAD, headers=key)
    again = api.post("/vendor/leads", json=LEAD, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["lead_id"] == again.json()["lead_id"] and first.json()["state"] == "new"
    refused = api.post(
        "/vendor/leads",
        json={**LEAD, "external_id": "WEB-2", "consent": "maybe", "departement": "99"},
        headers=key,
    )
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert {error["field"] for error in refused.json()["errors"]} >= {"consent", "departement"}
    assert api.post("/vendor/leads", content=b"[1]", headers=key).status_code == 400
    reader = bearer(vendor_key(engine))  # a key without vendor:leads:write
    assert api.post("/vendor/leads", json={**LEAD, "external_id": "WEB-3"}, headers=reader).status_code == 403
    with Session(engine) as session:
        stored = session.exec(select(Lead)).all()
    assert [(lead.external_id, lead.state) for lead in stored] == [("WEB-1", LeadState.NEW)]
