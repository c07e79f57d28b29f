"""A reseller's CRM works its leads through the partner API as its contacts do on the lead's page:
told of an offer by webhook, reads it without the prospect's contact, reveals it (opened),
accepts, declares it sold; another reseller's lead does not exist for it; every refusal says why
and is audited under the key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import ApiKey, AuditEvent, LeadEvent, LeadEventKind, LeadTurn, TurnState, WebhookEvent
from partnerflow.settings import Settings
from partnerflow.webhooks import add_endpoint
from tests.factories import LINKS, NOW
from tests.leads.test_distribution import GOOD, leads_file, resellers
from tests.web.test_partner_api import bearer, key_for, serve

WORK = ["leads:read", "leads:write"]


@pytest.fixture
def api(settings: Settings, engine: Engine) -> Iterator[httpx.Client]:
    yield from serve(settings, [])


@pytest.fixture
def offered(engine: Engine, tmp_path: Path) -> tuple[int, int, int]:
    """Two resellers of the Rhône, both listening for lead.offered; one lead routed to one of
    them: (its turn, the holder, the other reseller)."""
    ids = resellers(engine)
    with Session(engine) as session:
        for partner_id in ids:
            add_endpoint(
                session,
                LINKS.keys,
                partner_id,
                url=f"https://crm{partner_id}.example/hooks",
                events=["lead.offered"],
                created_by="test",
                now=NOW,
                allow_private=True,
            )
        session.commit()
    assert CliRunner().invoke(app, ["leads", "submit", str(leads_file(tmp_path, GOOD))]).exit_code == 0
    with Session(engine) as session:
        turn = session.exec(select(LeadTurn)).one()
    [other] = [partner_id for partner_id in ids if partner_id != turn.reseller_id]
    return turn.id or 0, turn.reseller_id, other


def test_the_holder_is_told_by_webhook_without_the_prospects_contact(
    engine: Engine, offered: tuple[int, int, int]
) -> None:
    turn_id, holder, _other = offered
    with Session(engine) as session:
        [event] = session.exec(select(WebhookEvent)).all()
    assert (event.partner_id, event.type, event.data["lead_id"]) == (holder, "lead.offered", turn_id)
    assert (
        event.data["company"] == "Boulangerie Martin" and event.data["accept_by"] > event.data["offered_at"]
    )
    assert "claire" not in str(event.data).lower(), "the contact is revealed on demand, not broadcast"


def test_a_crm_reveals_accepts_and_declares_its_lead_sold(
    api: httpx.Client, engine: Engine, offered: tuple[int, int, int]
) -> None:
    turn_id, holder, _other = offered
    key = key_for(engine, holder, WORK)
    [listed] = api.get("/leads", headers=bearer(key)).json()["data"]
    assert (listed["id"], listed["state"], listed["opened"], listed["contact"]) == (
        turn_id,
        "offered",
        False,
        None,
    )
    revealed = api.post(f"/leads/{turn_id}/reveal", headers=bearer(key))
    assert revealed.status_code == 200 and revealed.json()["contact"]["email"] == "claire@martin.example"
    assert api.post(f"/leads/{turn_id}/accept", headers=bearer(key)).json()["state"] == "accepted"
    sold = api.post(
        f"/leads/{turn_id}/status", json={"status": "sold", "amount": "12500.50"}, headers=bearer(key)
    )
    assert sold.status_code == 200, sold.text
    assert (sold.json()["state"], sold.json()["status"], sold.json()["amount"]) == (
        "closed",
        "sold",
        "12500.50",
    )
    with Session(engine) as session:
        kinds = [event.kind for event in session.exec(select(LeadEvent).order_by(LeadEvent.occurred_at))]
        actors = {
            event.actor for event in session.exec(select(AuditEvent).where(AuditEvent.subject_type == "lead"))
        }
    assert kinds.count(LeadEventKind.OPENED) == 1 and LeadEventKind.ACCEPTED in kinds
    assert any(actor.startswith("api-key:") for actor in actors), "audited under the key"


def test_another_resellers_lead_does_not_exist_for_a_crm(
    api: httpx.Client, engine: Engine, offered: tuple[int, int, int]
) -> None:
    turn_id, _holder, other = offered
    key = key_for(engine, other, WORK)
    assert api.get("/leads", headers=bearer(key)).json() == {"data": [], "next_cursor": None}
    answers = [
        api.get(f"/leads/{turn_id}", headers=bearer(key)),
        api.post(f"/leads/{turn_id}/reveal", headers=bearer(key)),
        api.post(f"/leads/{turn_id}/accept", headers=bearer(key)),
        api.get("/leads/999999", headers=bearer(key)),
    ]
    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert answers[0].json()["detail"] == f"you have no lead {turn_id}"
    with Session(engine) as session:
        turn = session.get_one(LeadTurn, turn_id)
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "lead.refused")).all()
        opened = session.exec(select(LeadEvent)).all()
    assert turn.state is TurnState.OFFERED and opened == [], "nothing changed"
    assert len(refused) == 4 and {event.actor for event in refused} == {f"api-key:{_key_id(engine, other)}"}


def test_what_a_lead_cannot_take_now_is_refused_with_its_reason(
    api: httpx.Client, engine: Engine, offered: tuple[int, int, int]
) -> None:
    turn_id, holder, _other = offered
    key, reader = key_for(engine, holder, WORK), key_for(engine, holder, ["leads:read"])
    answers = {
        "read-only key": api.post(f"/leads/{turn_id}/accept", headers=bearer(reader)),
        "status before accepting": api.post(
            f"/leads/{turn_id}/status", json={"status": "in_progress"}, headers=bearer(key)
        ),
        "decline without a reason": api.post(
            f"/leads/{turn_id}/decline", json={"reason": " "}, headers=bearer(key)
        ),
        "an unknown status": api.post(
            f"/leads/{turn_id}/status", json={"status": "won"}, headers=bearer(key)
        ),
    }
    assert {name: answer.status_code for name, answer in answers.items()} == {
        "read-only key": 403,
        "status before accepting": 409,
        "decline without a reason": 422,
        "an unknown status": 422,
    }
    assert answers["decline without a reason"].json()["detail"] == "reason: say why in a few words"
    api.post(f"/leads/{turn_id}/accept", headers=bearer(key))
    for amount in ("1,000", "0", "12.345", "1e3"):
        refused = api.post(
            f"/leads/{turn_id}/status", json={"status": "sold", "amount": amount}, headers=bearer(key)
        )
        assert refused.status_code == 422 and refused.json()["detail"].startswith("amount:"), amount
    with Session(engine) as session:
        assert session.get_one(LeadTurn, turn_id).state is TurnState.ACCEPTED, "no refused amount was stored"


def _key_id(engine: Engine, partner_id: int) -> int:
    with Session(engine) as session:
        return session.exec(select(ApiKey.id).where(ApiKey.partner_id == partner_id)).one() or 0
