"""Answering from the terminal: the code from one's own e-mail, or an operator's explicit act."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import ApprovalAnswer, AuditEvent, Registration, Role
from partnerflow.registration.intake import IntakeResult
from partnerflow.registration.review import request_review
from tests.factories import LINKS, NOW, RENDERER, add_person, mailed_invitation, operator_link, submission

runner = CliRunner()


@pytest.fixture
def review(engine: Engine, network: dict[str, int], submit: Callable[..., IntakeResult]) -> int:
    """A newcomer's deal waiting for the channel manager, who was mailed a link and a code."""
    registration_id = submit(submission(network["newcomer"])).registration_id
    with Session(engine) as session:
        registration = session.get(Registration, registration_id)
        assert registration is not None
        request_review(
            session,
            registration,
            links=LINKS,
            renderer=RENDERER,
            expires_at=NOW + timedelta(days=365),
            now=NOW,
        )
        session.commit()
    return registration_id


def answers(engine: Engine) -> list[ApprovalAnswer]:
    with Session(engine) as session:
        return list(session.exec(select(ApprovalAnswer)))


def test_the_code_from_the_e_mail_records_the_reviewers_answer(engine: Engine, review: int) -> None:
    _link, code = mailed_invitation(engine, "manager@vendor.example")
    result = runner.invoke(app, ["review", "decide", str(review), "--approve", "--code", code.lower()])
    assert result.exit_code == 0, result.output
    assert "approve by manager@vendor.example recorded (round 1)" in result.output
    [answer] = answers(engine)
    assert (answer.person_email, answer.via, answer.actor) == (
        "manager@vendor.example",
        "code",
        "manager@vendor.example",
    )


def test_a_wrong_code_is_one_line_and_exit_1(engine: Engine, review: int) -> None:
    result = runner.invoke(app, ["review", "decide", str(review), "--reject", "--code", "ABCDE-FGHJK"])
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"registration {review}: refused: this code is not valid for registration {review}"
    )
    assert answers(engine) == []


def test_a_typed_e_mail_alone_proves_nothing(engine: Engine, review: int) -> None:
    result = runner.invoke(app, ["review", "decide", str(review), "--approve"])
    assert result.exit_code == 2 and "--code" in result.output
    assert answers(engine) == []


def test_an_operator_answers_for_someone_only_with_a_reason_and_is_recorded_as_the_actor(
    engine: Engine, review: int
) -> None:
    base = [
        "approvals",
        "decide",
        "registration",
        str(review),
        "approve",
        "--on-behalf-of",
        "manager@vendor.example",
    ]
    with Session(engine) as session:
        add_person(session, "ops@vendor.example", Role.CHANNEL_OPS)
        link = operator_link(session, "ops@vendor.example")
        session.commit()
    refused = runner.invoke(app, [*base, "--operator-link", f"http://127.0.0.1:4280/signin/{link}"])
    assert refused.exit_code == 1 and "--reason is required" in refused.output
    unproven = runner.invoke(app, [*base, "--reason", "approved by phone"])
    assert unproven.exit_code == 1 and "--operator-link" in unproven.output, "the OS user proves nothing"
    done = runner.invoke(
        app, [*base, "--reason", "approved by phone, ticket 4711", "--operator-link", f"/signin/{link}"]
    )
    assert done.exit_code == 0, done.output
    [answer] = answers(engine)
    assert (answer.actor, answer.reason) == ("operator:ops@vendor.example", "approved by phone, ticket 4711")
    with Session(engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "approval.answered")).one()
    assert (
        event.actor == "operator:ops@vendor.example" and event.details["person"] == "manager@vendor.example"
    )


def test_open_decisions_are_listed(engine: Engine, review: int) -> None:
    result = runner.invoke(app, ["approvals", "list", "--json"])
    assert result.exit_code == 0
    assert (
        f'"subject": "registration {review}"' in result.output
        and '"role": "channel-manager"' in result.output
    )
