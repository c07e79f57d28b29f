"""A lead from the file to the reseller's page: taken in, offered with a stamped explanation,
mailed with a personal link, opened, accepted, sold; or passed on after its deadline."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.approvals.keys import Keys
from partnerflow.cli import app
from partnerflow.leads.deadlines import sweep_deadlines
from partnerflow.leads.distribution import route_waiting
from partnerflow.leads.kpis import reseller_kpis
from partnerflow.models import (
    AuditEvent,
    Lead,
    LeadEvent,
    LeadState,
    LeadTurn,
    Notification,
    Partner,
    Role,
    TurnState,
)
from partnerflow.policy import load_policy
from partnerflow.settings import PROJECT_ROOT
from tests.factories import NOW, SECRET_KEY, add_partner

runner = CliRunner()
KEYS = Keys(SECRET_KEY)
HEADER = (
    "external_id,company,contact_name,contact_email,contact_phone,departement,product_lines,source,consent"
)


def resellers(engine: Engine, count: int = 2, territory: str = "69") -> list[int]:
    with Session(engine) as session:
        ids = [
            add_partner(
                session,
                name=f"Revendeur {n}",
                territory=territory,
                email=f"ventes{n}@revendeur{territory}.example",
            ).id
            for n in range(count)
        ]
        session.commit()
    return [i for i in ids if i is not None]


def leads_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "leads.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = "W-1,Boulangerie Martin,Claire Martin,claire@martin.example,+33 4 78 00 00 00,69,network;wifi,web,true"


def policy():  # type: ignore[no-untyped-def]
    return load_policy("lead_routing", NOW.date(), PROJECT_ROOT / "policies")


def test_a_file_of_leads_is_taken_in_once_each_refused_row_says_why(engine: Engine, tmp_path: Path) -> None:
    resellers(engine)
    path = leads_file(
        tmp_path,
        GOOD,
        "W-2,Garage Dupont,Paul Dupont,,,69,network,web,true",
        "W-3,Cabinet Roux,Anne Roux,anne@roux.example,,99,network,web,true",
        "W-4,Hôtel Sud,Marc Sud,marc@sud.example,,13,netwrok,fair,maybe",
        "W-5,Ferme Bio,Léa Bio,lea@bio.example,1 000,69,network,web,true",
    )
    first = runner.invoke(app, ["leads", "submit", str(path), "--json"])
    assert first.exit_code == 1, first.output
    answer = json.loads(first.stdout)
    assert (answer["taken"], answer["known"], answer["refused"]) == (1, 0, 4)
    problems = {row["row"]: " / ".join(row["problems"]) for row in answer["rows"] if row["problems"]}
    assert "e-mail or phone" in problems[2]
    assert "departement is not a French département" in problems[3]
    assert "netwrok" in problems[4] and "consent must be true or false" in problems[4]
    assert "contact_phone is not a phone number" in problems[5]
    assert answer["routing"] == {
        "withdrawn": 0,
        "reminded": 0,
        "status_reminded": 0,
        "offered": 1,
        "to_manager": 0,
    }
    again = runner.invoke(app, ["leads", "submit", str(leads_file(tmp_path, GOOD)), "--json"])
    assert json.loads(again.stdout)["known"] == 1
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Lead)).one() == 1


def test_an_offer_is_stamped_explained_and_mailed_without_the_prospects_contact(
    engine: Engine, tmp_path: Path
) -> None:
    ids = resellers(engine)
    runner.invoke(app, ["leads", "submit", str(leads_file(tmp_path, GOOD))])
    with Session(engine) as session:
        turn = session.exec(select(LeadTurn)).one()
        mail = session.exec(select(Notification).where(Notification.template == "lead_offered")).one()
    assert turn.state is TurnState.OFFERED and turn.reseller_id in ids
    assert (turn.rule_id, turn.policy_version, len(turn.policy_sha256)) == ("default", "2026-01-01", 64)
    assert {row["reseller_id"] for row in turn.ranking} == set(ids)
    assert turn.deadline_at == NOW + timedelta(hours=48)  # Monday 09:00 UTC: Wednesday
    assert "Boulangerie Martin" in mail.text_body and "claire@martin.example" not in mail.text_body
    assert "/lead/" not in mail.text_body  # the link is sealed in the outbox
    shown = runner.invoke(app, ["leads", "show", "W-1", "--json"])
    assert json.loads(shown.stdout)["turns"][0]["rule_id"] == "default"


def link_of(engine: Engine, turn_id: int) -> str:
    with Session(engine) as session:
        turn = session.get_one(LeadTurn, turn_id)
        contact = session.get_one(Partner, turn.reseller_id).contacts[0]
    return f"/lead/{KEYS.lead_token(turn_id, contact.id or 0)}"


def test_the_reseller_opens_accepts_and_sells_and_the_kpis_count_it(
    engine: Engine, tmp_path: Path, portal: httpx.Client
) -> None:
    resellers(engine)
    runner.invoke(app, ["leads", "submit", str(leads_file(tmp_path, GOOD))])
    with Session(engine) as session:
        turn = session.exec(select(LeadTurn)).one()
    assert turn.id is not None
    link = link_of(engine, turn.id)
    page = portal.get(link)
    assert page.status_code == 200 and "Boulangerie Martin" in page.text
    assert "claire@martin.example" not in page.text
    with Session(engine) as session:  # a GET (a mail scanner) records nothing
        assert (
            session.exec(select(func.count()).select_from(LeadEvent).where(LeadEvent.kind == "opened")).one()
            == 0
        )
    shown = portal.post(link, data={"action": "reveal"})
    assert "claire@martin.example" in shown.text and "+33 4 78 00 00 00" in shown.text
    assert portal.post(link, data={"action": "status", "status": "sold", "amount": "900"}).status_code == 409
    assert portal.post(link, data={"action": "accept"}).status_code == 200
    refused = portal.post(link, data={"action": "status", "status": "sold", "amount": "1,000"})
    assert refused.status_code == 422 and "separator" in refused.text
    sold = portal.post(link, data={"action": "status", "status": "sold", "amount": "12500.50"})
    assert sold.status_code == 200
    with Session(engine) as session:
        turn = session.get_one(LeadTurn, turn.id)
        assert (turn.state, str(turn.amount)) == (TurnState.CLOSED, "12500.50")
        assert session.get_one(Lead, turn.lead_id).state is LeadState.CLOSED
        kpis = {k.partner_id: k for k in reseller_kpis(session, NOW.date(), NOW.date() + timedelta(days=1))}
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.actor.startswith("ventes"))).all()  # type: ignore[attr-defined]
    mine = kpis[turn.reseller_id]
    assert (mine.leads, mine.opened, mine.processed, mine.closed, mine.sold) == (1, 1, 1, 1, 1)
    assert {"lead.opened", "lead.accepted", "lead.sold", "lead.refused"} <= set(actions)


def test_an_offer_not_accepted_in_time_is_reminded_then_passed_on_and_a_late_accept_is_refused(
    engine: Engine, tmp_path: Path, portal: httpx.Client
) -> None:
    first, second = resellers(engine)
    runner.invoke(app, ["leads", "submit", str(leads_file(tmp_path, GOOD))])
    routing = policy()
    with Session(engine) as session:
        turn = session.exec(select(LeadTurn)).one()
        assert turn.id is not None and turn.deadline_at is not None
        half = sweep_deadlines(session, routing.document, NOW + timedelta(hours=25))
        assert (half.reminded, half.withdrawn) == ([turn.id], [])
        late = turn.deadline_at + timedelta(minutes=1)
        swept = sweep_deadlines(session, routing.document, late)
        assert swept.withdrawn == [turn.id]
        rerouted = route_waiting(session, routing, now=late)
        session.commit()
        assert len(rerouted.offered) == 1
        turns = session.exec(select(LeadTurn).order_by(LeadTurn.id)).all()  # type: ignore[arg-type]
        lead = session.exec(select(Lead)).one()
    assert [(t.reseller_id, t.state) for t in turns] == [
        (turn.reseller_id, TurnState.WITHDRAWN),
        ({first, second} - {turn.reseller_id}).pop()
        and (({first, second} - {turn.reseller_id}).pop(), TurnState.OFFERED),
    ]
    assert (lead.state, lead.passes) == (LeadState.OFFERED, 1)
    answer = portal.post(link_of(engine, turn.id), data={"action": "accept"})
    assert answer.status_code == 409 and re.search("another reseller|autre revendeur", answer.text)
    with Session(engine) as session:
        kpis = {k.partner_id: k for k in reseller_kpis(session, NOW.date(), NOW.date() + timedelta(days=5))}
    assert (kpis[turn.reseller_id].leads, kpis[turn.reseller_id].opened) == (1, 0)


def test_my_leads_in_the_portal_lists_the_resellers_own_turns_with_the_contacts_own_links(
    engine: Engine, tmp_path: Path, portal: httpx.Client
) -> None:
    from tests.web.test_portal import sign_in

    holder, other = resellers(engine, territory="69")[0], resellers(engine, count=1, territory="75")[0]
    runner.invoke(app, ["leads", "submit", str(leads_file(tmp_path, GOOD.replace(",69,", ",75,")))])
    with Session(engine) as session:
        turn = session.exec(select(LeadTurn)).one()
        emails = {pid: session.get_one(Partner, pid).primary_email for pid in (holder, other)}
    assert turn.reseller_id == other
    sign_in(portal, engine, emails[other])
    page = portal.get("/portal/leads")
    assert page.status_code == 200 and "Boulangerie Martin" in page.text
    link = re.search(r'href="(http[^"]+/lead/[^"]+)"', page.text)
    assert link is not None and link.group(1).endswith(link_of(engine, turn.id or 0))
    portal.post("/portal/signout")
    sign_in(portal, engine, emails[holder])
    assert "Boulangerie Martin" not in portal.get("/portal/leads").text


def test_prospects_contacts_are_blanked_after_the_retention_but_not_while_offered(
    engine: Engine, tmp_path: Path
) -> None:
    from partnerflow.leads.retention import purge_contacts

    resellers(engine)
    old = "W-9,Vieux Prospect,Jean Vieux,jean@vieux.example,,69,network,web,false"  # to the manager
    runner.invoke(app, ["leads", "submit", str(leads_file(tmp_path, GOOD, old))])
    later = NOW + timedelta(days=1096)
    with Session(engine) as session:
        assert purge_contacts(session, now=later, retention_days=1095) == 1
        assert purge_contacts(session, now=later, retention_days=1095) == 0
        session.commit()
        leads = {lead.external_id: lead for lead in session.exec(select(Lead))}
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "lead.contacts-purged")).one()
    assert (leads["W-9"].contact_email, leads["W-9"].contact_name, leads["W-9"].purged_at) == (
        None,
        None,
        later,
    )
    assert leads["W-9"].company == "Vieux Prospect"  # the lead stays, its prospect's person goes
    assert leads["W-1"].contact_email == "claire@martin.example"  # still offered: kept
    assert audit.details["leads"] == 1 and "jean" not in str(audit.details)


def test_a_channel_manager_sees_the_accepted_leads_without_a_status_in_my_decisions(
    engine: Engine, tmp_path: Path
) -> None:
    from partnerflow.leads.attention import needing_attention
    from partnerflow.leads.worked import accept, open_link
    from tests.factories import add_person

    resellers(engine)
    refused_consent = "W-2,Sans Accord,Paul Roux,paul@roux.example,,69,network,web,false"
    runner.invoke(app, ["leads", "submit", str(leads_file(tmp_path, GOOD, refused_consent))])
    routing = policy().document
    with Session(engine) as session:
        manager = add_person(session, "manager@vendor.example", Role.CHANNEL_MANAGER)
        turn = session.exec(select(LeadTurn)).one()
        holder = session.get_one(Partner, turn.reseller_id)
        contact, holder_name = holder.contacts[0], holder.name
        accept(
            session, open_link(session, KEYS, KEYS.lead_token(turn.id or 0, contact.id or 0)), NOW, routing
        )
        session.commit()
        delay = timedelta(days=14)
        soon = needing_attention(session, manager.id or 0, now=NOW + timedelta(days=1), status_within=delay)
        late = needing_attention(session, manager.id or 0, now=NOW + timedelta(days=15), status_within=delay)
    assert soon == [], "the lead without consent is a decision of its own (test_handover)"
    assert [(item.company, item.detail) for item in late] == [("Boulangerie Martin", holder_name)]
