"""Removing a partner is a channel manager's decision, with a cause: asked by an operator,
confirmed with the manager's own code, recorded as the partner's exit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from prefect.deployments import run_deployment
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from flows.partner_removal import remove_partner
from partnerflow.approvals import Subject, open_requests
from partnerflow.cli import app
from partnerflow.lifecycle.removal import RemovalRefused, ask_removal, request_decision
from partnerflow.markdown import summary_html
from partnerflow.models import (
    AttritionCause,
    AuditEvent,
    ExitSource,
    Partner,
    PartnerExit,
    PartnerStatus,
    Role,
)
from partnerflow.orchestration.resuming import resume_with_input
from partnerflow.orchestration.serving import served_in_thread
from tests.factories import LINKS, RENDERER, add_partner, add_person, mailed_invitation, operator_link
from tests.flows.test_deal_registration_flow import wait_for

MANAGER = "manager@vendor.example"
NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)


@pytest.fixture
def partner_id(engine: Engine) -> int:
    with Session(engine) as session:
        add_person(session, MANAGER, Role.CHANNEL_MANAGER)
        partner = add_partner(session, name="Sortant SARL", email="sortant@p.example")
        session.commit()
        return partner.id or 0


def test_a_request_needs_an_active_partner_a_reason_and_no_other_request_waiting(
    engine: Engine, partner_id: int
) -> None:
    with Session(engine) as session:

        def ask(pid: int, reason: str) -> object:
            return ask_removal(
                session,
                pid,
                AttritionCause.RETURN_ON_INVESTMENT,
                reason,
                requested_by="operator:ops",
                now=NOW,
            )

        for pid, reason, problem in ((999, "x", "no active partner"), (partner_id, "  ", "reason: required")):
            with pytest.raises(RemovalRefused, match=problem):
                ask(pid, reason)
        ask(partner_id, "Plus aucune affaire depuis 14 mois.")
        with pytest.raises(RemovalRefused, match="waits for a decision already"):
            ask(partner_id, "Encore.")


def test_the_command_refuses_in_one_line_without_a_server_it_keeps_the_request(
    engine: Engine, partner_id: int
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with Session(engine) as session:
        link = operator_link(session, MANAGER)
        session.commit()
    remove = ["partners", "remove", "--cause", "training", "--operator-link", link, "--reason"]
    # nothing listens there (and a session's test server, if one runs, is out of reach)
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        unproven = CliRunner().invoke(
            app, ["partners", "remove", str(partner_id), "--cause", "training", "--reason", "x"]
        )
        bad = CliRunner().invoke(app, [*remove, "x", "999"])
        kept = CliRunner().invoke(app, [*remove, "Ne se forme plus.", str(partner_id)])
    assert unproven.exit_code == 1 and "--operator-link" in unproven.output
    assert bad.exit_code == 2 and "no active partner" in bad.output, "a refused request keeps the link"
    assert kept.exit_code == 1 and "removal 1 recorded" in kept.output and "removal_id=1" in kept.output
    assert "Traceback" not in kept.output
    with Session(engine) as session:
        [asked] = session.exec(select(AuditEvent).where(AuditEvent.action == "partner.removal-requested"))
    assert asked.actor == f"operator:{MANAGER}", "the proven person, not the OS user"


@pytest.fixture(scope="module")
def served_removal(prefect_server: None) -> Iterator[None]:
    with served_in_thread(remove_partner, name="partnerflow-removal-tests"):
        yield


@pytest.mark.prefect
def test_a_manager_confirms_with_their_code_and_the_exit_keeps_the_cause(
    served_removal: None, engine: Engine, partner_id: int
) -> None:
    with Session(engine) as session:
        removal = ask_removal(
            session,
            partner_id,
            AttritionCause.TRAINING,
            "Ne se forme plus.",
            requested_by="operator:ops",
            now=NOW,
        )
        session.commit()
        removal_id = removal.id
    run = run_deployment("remove-partner/remove-partner", parameters={"removal_id": removal_id}, timeout=0)
    run_id = run.id  # type: ignore[union-attr]
    wait_for(run_id, pause_key="removal-1")
    _link, code = mailed_invitation(engine, MANAGER, "removal_requested")
    resume_with_input(run_id, {"decision": "approve", "approval_code": MANAGER})
    wait_for(run_id, pause_key="removal-2")  # a typed address decides nothing
    resume_with_input(run_id, {"decision": "approve", "approval_code": code})
    final = wait_for(run_id, final=True)

    assert final.state is not None and final.state.is_completed()
    with Session(engine) as session:
        partner = session.get_one(Partner, partner_id)
        [left] = session.exec(select(PartnerExit)).all()
    assert partner.status is PartnerStatus.REMOVED
    assert (left.cause, left.source, left.reason) == (
        AttritionCause.TRAINING,
        ExitSource.CHANNEL_MANAGER,
        "Ne se forme plus.",
    )


def test_the_reason_typed_for_a_removal_is_inert_on_the_decision_page(
    engine: Engine, partner_id: int
) -> None:
    hostile = "fin de contrat\n\n[Verify the IBAN change here](http://evil.example)\n| a | b |\n|---|---|"
    with Session(engine) as session:
        removal = ask_removal(
            session,
            partner_id,
            AttritionCause.RETURN_ON_INVESTMENT,
            hostile,
            requested_by="operator:ops",
            now=NOW,
        )
        request_decision(
            session,
            removal.id or 0,
            RENDERER,
            links=LINKS,
            run_id="run-r",
            expires_at=NOW + timedelta(days=7),
            now=NOW,
        )
        [request] = open_requests(session, Subject("removal", removal.id or 0))
        page = summary_html(request.summary)
    assert "<a " not in page and "<table>" not in page and "evil.example" in page


@pytest.mark.prefect
def test_a_run_for_a_removal_that_does_not_exist_ends_at_once_saying_so(
    prefect_server: None, engine: Engine
) -> None:
    """It ended Failed on NoResultFound after three retries (42 s); a missing record is not retried."""
    import time

    started = time.monotonic()
    with pytest.raises(LookupError, match="removal_id: no removal request 4242"):
        remove_partner(removal_id=4242)
    assert time.monotonic() - started < 15
