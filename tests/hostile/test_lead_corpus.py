"""Hostile input to lead distribution: every wrong reading of a lead row is refused with its
reason and stores nothing; the lead page refuses forged links and wrong amounts, audits each
refusal, and shows outsider text escaped."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from partnerflow.approvals.keys import Keys
from partnerflow.leads.distribution import route_waiting
from partnerflow.leads.intake import take_in_leads
from partnerflow.models import AuditEvent, Lead, LeadTurn, Partner
from partnerflow.policy import load_policy
from partnerflow.settings import PROJECT_ROOT
from tests.factories import NOW, SECRET_KEY, add_partner

GOOD: dict[str, Any] = {
    "external_id": "W-1",
    "company": "Boulangerie Martin",
    "contact_name": "Claire Martin",
    "contact_email": "claire@martin.example",
    "contact_phone": "+33 4 78 00 00 00",
    "departement": "69",
    "product_lines": "network;wifi",
    "source": "web",
    "consent": "true",
}

REFUSED = {  # a change to the good row -> a word of the reason
    "phone with a thousands comma": ({"contact_phone": "1,000"}, "contact_phone"),
    "phone of letters": ({"contact_phone": "call me"}, "contact_phone"),
    "e-mail without a domain": ({"contact_email": "claire@"}, "contact_email"),
    "no way to reach": ({"contact_email": "", "contact_phone": ""}, "e-mail or phone"),
    "consent guessed": ({"consent": "maybe"}, "consent"),
    "consent left empty": ({"consent": ""}, "consent"),
    "département 99": ({"departement": "99"}, "departement"),
    "département 20 (split in 1976)": ({"departement": "20"}, "departement"),
    "product line misspelt": ({"product_lines": "netwrok"}, "netwrok"),
    "no product line": ({"product_lines": ""}, "product_lines"),
    "company of punctuation": ({"company": "..."}, "company"),
    "control character": ({"company": "Boulangerie\x1b[31m"}, "control character"),
    "bidi override in a name": ({"contact_name": "Claire\u202eniraM"}, "control character"),
    "received in the future": ({"received_at": "2099-01-01T00:00:00+01:00"}, "future"),
    "received without offset": ({"received_at": "2026-11-20T10:00:00"}, "offset"),
    "received before 2000": ({"received_at": "1999-12-31T23:00:00+00:00"}, "before 2000"),
    "external id with spaces": ({"external_id": "W 1"}, "external_id"),
    "unknown field": ({"budget": "10000"}, "budget is not a field of a lead"),
    "source missing": ({"source": ""}, "source"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_wrong_lead_is_refused_with_its_reason_and_nothing_stored(engine: Engine, name: str) -> None:
    change, word = REFUSED[name]
    row = {key: value for key, value in {**GOOD, **change}.items() if value != "" or key not in change}
    with Session(engine) as session:
        [result] = take_in_leads(session, [row], now=NOW, actor="test")
        session.commit()
        stored = session.exec(select(func.count()).select_from(Lead)).one()
    assert (result.outcome, stored) == ("refused", 0), result
    assert word in " / ".join(result.problems)


def test_what_is_accepted_is_stored_as_written(engine: Engine) -> None:
    with Session(engine) as session:
        [result] = take_in_leads(session, [GOOD], now=NOW, actor="test")
        session.commit()
        lead = session.get_one(Lead, result.lead_id)
    assert (lead.contact_phone, lead.product_lines, lead.consent) == (
        "+33 4 78 00 00 00",
        ["network", "wifi"],
        True,
    )
    assert lead.received_at == NOW


KEYS = Keys(SECRET_KEY)


@pytest.fixture
def offered(engine: Engine) -> tuple[int, int, int]:
    """A lead offered to a reseller: (turn id, its contact id, another partner's contact id)."""
    with Session(engine) as session:
        reseller = add_partner(session, name="Revendeur", email="ventes@revendeur.example")
        other = add_partner(session, name="Autre", territory="75", email="ventes@autre.example")
        take_in_leads(
            session, [{**GOOD, "company": "Boulangerie <script>alert(1)</script>"}], now=NOW, actor="t"
        )
        route_waiting(session, load_policy("lead_routing", NOW.date(), PROJECT_ROOT / "policies"), now=NOW)
        session.commit()
        turn = session.exec(select(LeadTurn)).one()
        assert turn.reseller_id == reseller.id and turn.id is not None
        return turn.id, reseller.contacts[0].id or 0, other.contacts[0].id or 0


def test_forged_links_open_nothing_and_are_audited(
    engine: Engine, portal: httpx.Client, offered: tuple[int, int, int]
) -> None:
    turn, mine, theirs = offered
    good = KEYS.lead_token(turn, mine)
    forged = [
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        Keys("another installation").lead_token(turn, mine),
        KEYS.lead_token(turn, theirs),  # another partner's contact: not the reseller's lead
        KEYS.lead_token(turn + 1, mine),
        KEYS.survey_token(turn),  # a link of another kind, same key
        "",
    ]
    for token in forged:
        answer = portal.post(f"/lead/{token}", data={"action": "reveal"}) if token else portal.get("/lead/")
        assert answer.status_code == 404, token
        assert "claire@martin.example" not in answer.text
    with Session(engine) as session:
        refusals = session.exec(select(func.count()).where(AuditEvent.action == "lead.refused")).one()
    assert refusals == len(forged) - 1  # "/lead/" alone is no link at all


AMOUNTS = ["1,000", "1 000", "1e3", "NaN", "Infinity", "-5", "0", "12.345", "10000000000000", "douze"]


def test_an_amount_is_taken_as_written_or_refused_and_outsider_text_is_escaped(
    engine: Engine, portal: httpx.Client, offered: tuple[int, int, int]
) -> None:
    turn, mine, _ = offered
    link = f"/lead/{KEYS.lead_token(turn, mine)}"
    page = portal.get(link)
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert portal.post(link, data={"action": "accept"}).status_code == 200
    for amount in AMOUNTS:
        answer = portal.post(link, data={"action": "status", "status": "sold", "amount": amount})
        assert answer.status_code == 422, amount
    for bad in (
        {"action": "status", "status": "won"},
        {"action": "status", "status": "lost"},
        {"action": "delete"},
    ):
        assert portal.post(link, data=bad).status_code == 422, bad
    why = "<img src=x onerror=alert(1)>"
    lost = portal.post(link, data={"action": "status", "status": "lost", "reason": why})
    assert lost.status_code == 200 and "<img src=x" not in lost.text and "&lt;img src=x" in lost.text
    with Session(engine) as session:
        stored = session.get_one(LeadTurn, turn)
        refusals = session.exec(select(func.count()).where(AuditEvent.action == "lead.refused")).one()
        reseller = session.get_one(Partner, stored.reseller_id)
    assert (stored.amount, stored.reason) == (None, why)
    assert refusals == len(AMOUNTS) + 3 and reseller.name == "Revendeur"
