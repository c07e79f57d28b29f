"""Adding a decision is one declaration and its ``apply`` (#28). A toy decision, declared here
and nowhere else, is mailed with the generic invitation, shown on the approval page with its own
words and field, answered on a Prefect Resume form built from it and from the CLI, applied once,
and chased by the decision clock like every other kind."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prefect import flow, task
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.input.actions import read_flow_run_input
from pydantic import Field
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from flows.runners import DecisionRounds, current_run_id, decision_form, wait_for_decision
from partnerflow.approvals import (
    Applying,
    Ask,
    DecisionClock,
    DecisionKind,
    DecisionOutcome,
    Subject,
    close_requests,
    declare,
    mark_applied,
    take_answer,
    unapplied_answers,
    wake_values,
)
from partnerflow.approvals.deadlines import sweep_decisions
from partnerflow.approvals.invitations import invite_role
from partnerflow.audit import record_event
from partnerflow.cli import app
from partnerflow.clock import FixedClock
from partnerflow.context import build_context, context
from partnerflow.db import session_scope
from partnerflow.models import AuditEvent, Locale, Role
from partnerflow.notify import free_port
from partnerflow.orchestration.resuming import resume_with_input
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.settings import Settings
from partnerflow.web import create_app
from partnerflow.web.server import web_in_thread
from tests.factories import LINKS, NOW, RENDERER, add_person, applying, form_answer, mailed_invitation

KIND = "toy-purchase"
BUYER = "buyer@vendor.example"


def read_quantity(_session: Session, _subject_id: int) -> Any:
    """The toy's own field: how many trial units, 1 to 5."""

    def read(values: dict[str, Any]) -> dict[str, Any]:
        given = values.get("quantity")
        if given in (None, ""):
            return {}
        if not str(given).isdigit():
            raise ValueError(f"quantity: {given!r} is not a number of units")
        quantity = int(given)
        if not 1 <= quantity <= 5:
            raise ValueError(f"quantity: {quantity} is not between 1 and 5")
        return {"quantity": quantity}

    return read


def apply_purchase(at: Applying, subject_id: int) -> DecisionOutcome:
    """The first answer decides; what it decided is kept in the audit trail."""
    subject = Subject(KIND, subject_id)
    for answer, _request in unapplied_answers(at.session, subject, at.keys, now=at.now):
        mark_applied(at.session, answer, at.now)
        if decided(at.session, subject_id) is None:
            record_event(
                at.session,
                now=at.now,
                actor=answer.person_email,
                action=f"toy.{answer.decision}",
                subject_type=KIND,
                subject_id=subject_id,
                details=answer.details,
            )
    outcome = decided(at.session, subject_id)
    if outcome is None:
        return DecisionOutcome(False, "awaiting", "waiting for finance")
    close_requests(at.session, subject, at.now)
    return DecisionOutcome(True, outcome, outcome)


def decided(session: Session, subject_id: int) -> str | None:
    action = session.exec(
        select(AuditEvent.action).where(
            AuditEvent.subject_type == KIND,
            AuditEvent.subject_id == str(subject_id),
            col(AuditEvent.action).startswith("toy."),
        )
    ).first()
    return action.removeprefix("toy.") if action else None


TOY = declare(
    DecisionKind(
        name=KIND,
        answers=("buy", "pass"),
        names={"en": "Trial purchase", "fr": "Achat d'essai"},
        apply=apply_purchase,
        clock=DecisionClock(timedelta(days=1), timedelta(days=2), Role.PROGRAMME_OWNER),
        help="buy the trial units, or pass",
        fields={"finance": ("quantity",)},
        read_details=read_quantity,
        words={
            "en": {"buy": "Buy the trial", "pass": "Pass", "quantity": "Units to buy (1 to 5)"},
            "fr": {"buy": "Acheter l'essai", "pass": "Passer", "quantity": "Unités à acheter (1 à 5)"},
        },
    )
)
ToyForm = decision_form(
    TOY, "ToyForm", "Finance's answer on a trial purchase.", quantity=(int, Field(1, ge=1, le=5))
)


def ask(session: Session, subject_id: int, *, now: datetime, flow_run_id: str | None) -> None:
    """What the toy process does to ask: the generic invitation to every finance person."""
    invite_role(
        session,
        RENDERER,
        LINKS,
        Ask(
            Subject(KIND, subject_id),
            role=Role.FINANCE,
            approvers_required=1,
            summary=f"### Trial purchase {subject_id}",
            expires_at=now + timedelta(days=7),
            flow_run_id=flow_run_id,
        ),
        context={},
        now=now,
    )


@task
def ask_finance(subject_id: int, flow_run_id: str) -> None:
    now = context().clock.now()
    with session_scope() as session:
        ask(session, subject_id, now=now, flow_run_id=flow_run_id)


@flow(name="toy-purchase", persist_result=True)
def toy_purchase(subject_id: int) -> str:
    """The toy process: ask, then wait for the answer on the Resume form (or the page)."""
    ask_finance(subject_id, current_run_id())
    return wait_for_decision(TOY, subject_id, DecisionRounds(ToyForm, "toy")).status


@pytest.fixture
def buyer(engine: Engine) -> str:
    with Session(engine) as session:
        add_person(session, BUYER, Role.FINANCE).locale = Locale.EN
        session.commit()
    return BUYER


def asked(engine: Engine, subject_id: int, *, flow_run_id: str | None = None) -> tuple[str, str]:
    with Session(engine) as session:
        ask(session, subject_id, now=NOW, flow_run_id=flow_run_id)
        session.commit()
    return mailed_invitation(engine, BUYER, "decision_requested")


def applied(engine: Engine, subject_id: int, values: dict[str, str]) -> DecisionOutcome:
    """What the woken run does: ``take-decision-answer`` with the wake-up the page sent."""
    with Session(engine) as session:
        outcome = take_answer(
            applying(session, flow_run_id="run-1"), Subject(KIND, subject_id), form_answer(**values)
        )
        session.commit()
        return outcome


@pytest.fixture
def page_at_now(settings: Settings, woken: list[tuple[str, dict[str, str]]]) -> Iterator[httpx.Client]:
    """The approval page served on the tests' clock (``NOW``), waking runs into ``woken``."""

    def wake(run_id: str, values: dict[str, str]) -> bool:
        woken.append((run_id, values))
        return True

    app = create_app(build_context(settings, FixedClock(NOW)), wake=wake)
    with web_in_thread(app, "127.0.0.1", free_port()) as url, httpx.Client(base_url=url) as client:
        yield client


def test_the_page_shows_the_toys_words_and_field_and_its_answer_is_applied_once(
    page_at_now: httpx.Client, engine: Engine, buyer: str, woken: list[tuple[str, dict[str, str]]]
) -> None:
    client = page_at_now
    link, _code = asked(engine, 1, flow_run_id="run-1")
    path = link.removeprefix(LINKS.web_url)
    page = client.get(path)
    assert page.status_code == 200
    assert "Buy the trial" in page.text and 'name="quantity"' in page.text and "Units to buy" in page.text
    refused = client.post(path, data={"decision": "buy", "quantity": "9"})
    assert refused.status_code == 409 and "quantity: 9 is not between 1 and 5" in refused.text
    done = client.post(path, data={"decision": "buy", "quantity": "3"})
    assert done.status_code == 200 and "(Buy the trial)" in done.text
    [(run_id, values)] = woken
    assert values["decision"] == "buy", "a wake-up names one of the kind's own answers (its form)"
    assert applied(engine, 1, values) == DecisionOutcome(True, "buy", "buy")
    assert applied(engine, 1, wake_values(LINKS.keys, run_id, KIND)) == DecisionOutcome(True, "buy", "buy")
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "toy.buy")).all()
    assert event.details == {"quantity": 3}


def test_the_cli_answers_it_with_the_code_and_its_field(engine: Engine, buyer: str) -> None:
    _link, code = asked(engine, 2)
    runner = CliRunner()
    wrong = runner.invoke(
        app, ["approvals", "decide", KIND, "2", "pass", "--code", code, "--field", "quantity=x"]
    )
    assert wrong.exit_code == 1 and "quantity: 'x' is not a number of units" in wrong.output
    done = runner.invoke(
        app, ["approvals", "decide", KIND, "2", "pass", "--code", code, "--field", "quantity=2"]
    )
    assert done.exit_code == 0, done.output
    assert f"{KIND} 2: pass by {BUYER} recorded" in done.output
    assert applied(engine, 2, {}) == DecisionOutcome(True, "pass", "pass")


def test_the_decision_clock_chases_it_like_every_kind(engine: Engine, buyer: str) -> None:
    asked(engine, 3)
    with Session(engine) as session:
        report = sweep_decisions(session, renderer=RENDERER, links=LINKS, now=NOW + timedelta(days=1))
        session.commit()
    assert len(report.reminded) == 1 and report.escalated == []


@pytest.fixture
def served_toy(prefect_server: None) -> Iterator[None]:
    with served_in_thread(toy_purchase, name="partnerflow-tests"):
        yield


@pytest.mark.prefect
def test_the_prefect_form_is_built_from_it_and_its_answer_ends_the_run(
    served_toy: None, engine: Engine, buyer: str
) -> None:
    run = run_deployment("toy-purchase/toy-purchase", timeout=0, parameters={"subject_id": 4})
    schema = waited_form(run.id, "toy-1")
    assert schema["properties"]["decision"]["enum"] == ["buy", "pass"]
    assert schema["properties"]["quantity"]["maximum"] == 5
    _link, code = mailed_invitation(engine, BUYER, "decision_requested")
    resume_with_input(run.id, {"decision": "buy", "approval_code": code, "quantity": 4})
    assert final_result(run.id) == "buy"
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "toy.buy")).all()
    assert event.details == {"quantity": 4}


def waited_form(flow_run_id: Any, pause_key: str) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        saved = read_flow_run_input(f"suspended-{pause_key}-schema", flow_run_id=flow_run_id)
        if isinstance(saved, dict):
            return saved
        time.sleep(0.5)
    raise TimeoutError(f"no form saved for {pause_key}")


def final_result(flow_run_id: Any) -> Any:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(flow_run_id).state
        if state is not None and state.is_final():
            return state.result()
        time.sleep(0.5)
    raise TimeoutError(f"flow run {flow_run_id} did not end: {datetime.now(UTC)}")
