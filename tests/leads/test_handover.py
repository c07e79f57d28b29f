"""A lead no reseller may take is its département's channel manager's decision: asked with their
own link and code, they offer it to a reseller they name (a turn like a routed one) or close it;
what does not fit the answer is refused with its reason and audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prefect.deployments import run_deployment
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from flows.lead_handover import hand_over_lead
from partnerflow.approvals import Subject, open_requests, take_answer
from partnerflow.cli import app
from partnerflow.leads.handover import SUBJECT_KIND, claim_handover, handovers_to_start, request_handover
from partnerflow.leads.worked import decline, open_link
from partnerflow.leads.working_hours import add_working_hours
from partnerflow.models import (
    ApprovalGrant,
    AuditEvent,
    HandoverOutcome,
    Lead,
    LeadHandover,
    LeadState,
    LeadTurn,
    Notification,
    Partner,
    Role,
    Territory,
    TurnState,
)
from partnerflow.orchestration.resuming import resume_with_input
from partnerflow.orchestration.serving import served_in_thread
from tests.factories import LINKS, NOW, RENDERER, add_person, applying, form_answer, mailed_invitation
from tests.flows.test_deal_registration_flow import wait_for
from tests.leads.test_distribution import KEYS, leads_file, resellers

runner = CliRunner()
MANAGER, OTHER_MANAGER = "manager.rhone@vendor.example", "manager.ouest@vendor.example"
NO_CONSENT = "W-2,Sans Accord,Paul Roux,paul@roux.example,,69,network,web,false"
NOBODY_NEAR = "W-3,Hôtel Corse,Marc Sud,marc@corse.example,,2A,network,web,true"


def handed_over(engine: Engine, tmp_path: Path, *rows: str) -> dict[str, LeadHandover]:
    """Resellers in 69 (the manager's), the rows submitted and routed: their handovers by lead."""
    resellers(engine)
    with Session(engine) as session:
        manager = add_person(session, MANAGER, Role.CHANNEL_MANAGER)
        add_person(session, OTHER_MANAGER, Role.CHANNEL_MANAGER)
        for code in ("69", "2A"):
            territory = session.get(Territory, code) or Territory(code=code, name=f"Territory {code}")
            territory.channel_manager_id = manager.id
            session.add(territory)
        session.commit()
    assert runner.invoke(app, ["leads", "submit", str(leads_file(tmp_path, *rows))]).exit_code == 0
    with Session(engine) as session:
        found = session.exec(select(LeadHandover, Lead).join(Lead, col(Lead.id) == col(LeadHandover.lead_id)))
        return {lead.external_id or "": handover for handover, lead in found}


def ask(engine: Engine, handover_id: int) -> tuple[str, str]:
    with Session(engine) as session:
        assert claim_handover(session, handover_id, "run-h")
        request_handover(
            session,
            handover_id,
            RENDERER,
            links=LINKS,
            neighbours={},
            run_id="run-h",
            expires_at=NOW + timedelta(days=14),
            now=NOW,
        )
        session.commit()
    return mailed_invitation(engine, MANAGER)


def answer(engine: Engine, handover_id: int, **values: object) -> str:
    with Session(engine) as session:
        outcome = take_answer(applying(session), Subject(SUBJECT_KIND, handover_id), form_answer(**values))
        session.commit()
    return outcome.message


def test_routing_opens_one_handover_per_lead_and_only_the_departement_manager_is_asked(
    engine: Engine, tmp_path: Path
) -> None:
    handovers = handed_over(engine, tmp_path, NO_CONSENT, NOBODY_NEAR)
    assert {key: h.rule_id for key, h in handovers.items()} == {"W-2": "no-consent", "W-3": "no-candidate"}
    with Session(engine) as session:
        assert handovers_to_start(session) == sorted(h.id or 0 for h in handovers.values())
        assert claim_handover(session, handovers["W-3"].id or 0, "run-a")
        assert not claim_handover(session, handovers["W-3"].id or 0, "run-b"), "one run asks"
        session.commit()
        assert handovers_to_start(session) == [handovers["W-2"].id]
    ask(engine, handovers["W-2"].id or 0)
    with Session(engine) as session:
        asked = {
            mail.recipient
            for mail in session.exec(select(Notification))
            if mail.template == "decision_requested"
        }
        [request] = open_requests(session, Subject(SUBJECT_KIND, handovers["W-2"].id or 0))
        grants = session.exec(select(ApprovalGrant).where(ApprovalGrant.request_id == request.id)).all()
    assert len(grants) == 1, "the other channel manager is not asked about the Rhône's lead"
    assert asked <= {MANAGER}
    assert "Sans Accord" in request.summary and "paul@roux.example" not in request.summary
    assert "consented to be passed to a reseller: **no**" in request.summary


def test_the_manager_offers_a_lead_to_the_reseller_they_name_as_routing_would(
    engine: Engine, tmp_path: Path
) -> None:
    handover_id = handed_over(engine, tmp_path, NOBODY_NEAR)["W-3"].id or 0
    _link, code = ask(engine, handover_id)
    chosen = resellers(engine, 1, territory="13")[0]
    message = answer(engine, handover_id, decision="offer", approval_code=code, reseller=str(chosen))
    with Session(engine) as session:
        assert message == f"lead {session.get_one(LeadHandover, handover_id).lead_id}: offered"
    with Session(engine) as session:
        handover = session.get_one(LeadHandover, handover_id)
        lead = session.get_one(Lead, handover.lead_id)
        turn = session.exec(select(LeadTurn).where(LeadTurn.lead_id == lead.id)).one()
        mails = session.exec(select(Notification).where(Notification.template == "lead_offered")).all()
        [audit] = session.exec(select(AuditEvent).where(AuditEvent.action == "lead.offered-by-manager"))
    policy = applying(session).policy("lead_routing", NOW.date()).document.acceptance
    assert (handover.outcome, handover.reseller_id, handover.decided_by) == (
        HandoverOutcome.OFFERED,
        chosen,
        MANAGER,
    )
    assert (lead.state, turn.state, turn.rule_id, turn.reseller_id) == (
        LeadState.OFFERED,
        TurnState.OFFERED,
        "manager-offered",
        chosen,
    )
    assert turn.deadline_at == add_working_hours(
        NOW, policy.working_hours, timezone=policy.timezone, country=policy.holidays_country
    )
    assert [mail.recipient for mail in mails] == ["ventes0@revendeur13.example"]
    assert (audit.actor, audit.details["reseller_id"]) == (MANAGER, chosen)


def test_what_does_not_fit_the_answer_is_refused_with_its_reason_and_audited(
    engine: Engine, tmp_path: Path
) -> None:
    handovers = handed_over(engine, tmp_path, NO_CONSENT)
    handover_id = handovers["W-2"].id or 0
    _link, code = ask(engine, handover_id)
    with Session(engine) as session:
        had_it = session.exec(select(LeadTurn.reseller_id)).all()
    refused = {
        "no reseller": {"decision": "offer"},
        "a reseller for a close": {"decision": "close", "reason": "doublon", "reseller": "1"},
        "no reason": {"decision": "close"},
        "not a number": {"decision": "offer", "reseller": "1,000"},
        "unknown": {"decision": "offer", "reseller": "4242"},
        "no consent": {"decision": "offer", "reseller": str(resellers(engine, 1, territory="13")[0])},
        "control character": {"decision": "close", "reason": "doublon\x1b[2J"},
    }
    messages = {
        name: answer(engine, handover_id, approval_code=code, **values) for name, values in refused.items()
    }
    assert had_it == [], "a prospect who did not consent was never offered"
    assert messages == {
        "no reseller": "reseller: required when the answer is offer",
        "a reseller for a close": "reseller: not taken when the answer is close",
        "no reason": "reason: required when the answer is close",
        "not a number": "reseller: a reseller's id, in digits",
        "unknown": "reseller: no active reseller has the id 4242",
        "no consent": "reseller: the prospect did not consent to being passed to a reseller; close the lead",
        "control character": "reason: plain text on one line, at most 500 characters",
    }
    with Session(engine) as session:
        refusals = session.exec(select(AuditEvent).where(AuditEvent.action == "approval.refused")).all()
        handover = session.get_one(LeadHandover, handover_id)
    assert len(refusals) == len(refused) and handover.awaiting, "nothing decided, every refusal audited"
    closing = answer(engine, handover_id, decision="close", approval_code=code, reason="Prospect déjà client")
    assert closing.endswith(": closed")
    with Session(engine) as session:
        handover = session.get_one(LeadHandover, handover_id)
        lead = session.get_one(Lead, handover.lead_id)
        [closed] = session.exec(select(AuditEvent).where(AuditEvent.action == "lead.closed-by-manager"))
    assert (lead.state, handover.outcome, handover.reason) == (
        LeadState.CLOSED,
        HandoverOutcome.CLOSED,
        "Prospect déjà client",
    )
    assert closed.details["reason"] == "Prospect déjà client"


def test_a_reseller_that_had_the_lead_is_not_offered_it_again(engine: Engine, tmp_path: Path) -> None:
    passed = "W-4,Passée Partout,Léa Bio,lea@bio.example,,69,network,web,true"
    handed_over(engine, tmp_path, passed)
    for turn_round in range(2):  # both resellers of 69 decline it: the manager decides
        with Session(engine) as session:
            turn = session.exec(select(LeadTurn).where(LeadTurn.state == TurnState.OFFERED)).one()
            contact = session.get_one(Partner, turn.reseller_id).contacts[0]
            page = open_link(session, KEYS, KEYS.lead_token(turn.id or 0, contact.id or 0))
            decline(session, page, f"refus {turn_round}", NOW)
            session.commit()
        routed = runner.invoke(app, ["leads", "distribute"])
        assert routed.exit_code == 0, routed.output
    with Session(engine) as session:
        handover = session.exec(select(LeadHandover)).one()
        declined = session.exec(select(LeadTurn.reseller_id)).all()
    _link, code = ask(engine, handover.id or 0)
    message = answer(
        engine, handover.id or 0, decision="offer", approval_code=code, reseller=str(declined[0])
    )
    assert message == f"reseller: {declined[0]} already had this lead; choose another one"


@pytest.fixture(scope="module")
def served_handover(prefect_server: None) -> Iterator[None]:
    with served_in_thread(hand_over_lead, name="partnerflow-handover-tests"):
        yield


@pytest.mark.prefect
def test_the_run_asks_waits_and_closes_the_lead_on_the_managers_code(
    served_handover: None, engine: Engine, tmp_path: Path
) -> None:
    handover_id = handed_over(engine, tmp_path, NO_CONSENT)["W-2"].id or 0
    run = run_deployment("hand-over-lead/hand-over-lead", parameters={"handover_id": handover_id}, timeout=0)
    run_id = run.id  # type: ignore[union-attr]
    wait_for(run_id, pause_key="handover-1")
    _link, code = mailed_invitation(engine, MANAGER)
    resume_with_input(run_id, {"decision": "offer", "approval_code": code})
    wait_for(run_id, pause_key="handover-2")  # refused: no reseller named; the code still works
    resume_with_input(run_id, {"decision": "close", "approval_code": code, "reason": "Hors cible"})
    final = wait_for(run_id, final=True)
    assert final.state is not None and final.state.is_completed()
    with Session(engine) as session:
        handover = session.get_one(LeadHandover, handover_id)
        lead = session.get_one(Lead, handover.lead_id)
    assert (handover.flow_run_id, lead.state, handover.reason) == (
        str(run_id),
        LeadState.CLOSED,
        "Hors cible",
    )


@pytest.mark.prefect
def test_a_run_for_a_handover_that_does_not_exist_ends_at_once_saying_so(
    prefect_server: None, engine: Engine
) -> None:
    with pytest.raises(LookupError, match="handover_id: no lead handover 4242"):
        hand_over_lead(handover_id=4242)


def test_on_the_approval_page_the_manager_names_the_reseller_in_their_language(
    client: httpx.Client, engine: Engine, tmp_path: Path, woken: list[tuple[str, dict[str, str]]]
) -> None:
    handover_id = handed_over(engine, tmp_path, NOBODY_NEAR)["W-3"].id or 0
    link, _code = ask(engine, handover_id)
    path = "/approve/" + link.rsplit("/approve/", 1)[1]
    page = client.get(path)
    assert page.status_code == 200
    assert "Revendeur (identifiant) à qui la proposer" in page.text and "Pourquoi elle est close" in page.text
    assert 'value="offer"' in page.text and 'value="close"' in page.text
    refused = client.post(path, data={"decision": "offer", "reseller": ""})
    assert refused.status_code == 409 and "reseller: required when the answer is offer" in refused.text
    chosen = resellers(engine, 1, territory="13")[0]
    done = client.post(path, data={"decision": "offer", "reseller": str(chosen), "reason": ""})
    assert done.status_code == 200 and len(woken) == 1, "recorded, and the waiting run woken to apply it"


@pytest.mark.prefect
def test_an_answer_recorded_while_the_run_slept_is_applied_when_the_sweep_wakes_it(
    served_handover: None, engine: Engine, tmp_path: Path
) -> None:
    """The wake-up names one of the kind's own answers: "approve", which every wake-up said,
    is not one of a handover's, and Prefect refused the resume."""
    from partnerflow.approvals import Recorded, Reply, answer_by_code
    from tasks.runs import wake_suspended_runs

    handover_id = handed_over(engine, tmp_path, NO_CONSENT)["W-2"].id or 0
    run = run_deployment("hand-over-lead/hand-over-lead", parameters={"handover_id": handover_id}, timeout=0)
    run_id = run.id  # type: ignore[union-attr]
    wait_for(run_id, pause_key="handover-1")
    _link, code = mailed_invitation(engine, MANAGER)
    with Session(engine) as session:
        reply = Reply("close", details={"reason": "Doublon"})
        subject = Subject(SUBJECT_KIND, handover_id)
        assert isinstance(answer_by_code(session, LINKS.keys, subject, code, reply, now=NOW), Recorded)
        session.commit()
    assert wake_suspended_runs.fn([str(run_id), "a-run-that-asked-nobody"]) == 1
    assert (final := wait_for(run_id, final=True)).state is not None and final.state.is_completed()
    with Session(engine) as session:
        assert session.get_one(LeadHandover, handover_id).outcome is HandoverOutcome.CLOSED
