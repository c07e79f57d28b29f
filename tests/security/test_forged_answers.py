"""Answers an insider writes into the database, or one operator relays, decide nothing.

Measured before: a row inserted in ``approval_answer`` with its grant marked used was applied by
the next sweep, and one operator met four eyes alone by relaying both directors' answers.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text, update
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from partnerflow.approvals import (
    Invitation,
    Recorded,
    Refused,
    Reply,
    Subject,
    answer_by_code,
    answer_by_link,
    answer_on_behalf,
    approvals_given,
    unapplied_answers,
)
from partnerflow.cli import app
from partnerflow.db import migrate
from partnerflow.models import ApprovalAnswer, ApprovalGrant, ApprovalRequest, AuditEvent, Role
from partnerflow.settings import Settings
from tests.factories import LINKS, NOW, add_person, ask, operator_link

DEAL = Subject("registration", 7)
KEYS = LINKS.keys


@pytest.fixture
def four_eyes(engine: Engine) -> dict[str, Invitation]:
    """Two directors asked to approve registration 7, two approvals required."""
    with Session(engine, expire_on_commit=False) as session:
        for email in ("director1@vendor.example", "director2@vendor.example"):
            add_person(session, email, Role.CHANNEL_DIRECTOR)
        invitations = ask(session, DEAL, "channel-director", approvers_required=2)
        session.commit()
        return {invitation.person.email: invitation for invitation in invitations}


def by_link(engine: Engine, invitation: Invitation, decision: str = "approve") -> object:
    with Session(engine) as session:
        outcome = answer_by_link(session, KEYS, invitation.link.rsplit("/", 1)[1], Reply(decision), now=NOW)
        session.commit()
        return outcome


def counted(engine: Engine) -> tuple[int, list[str]]:
    """What the process would apply and count: approvals given, and the unapplied answers' people."""
    with Session(engine) as session:
        request = session.exec(select(ApprovalRequest)).one()
        given = approvals_given(session, request, KEYS, now=NOW)
        people = [answer.person_email for answer, _ in unapplied_answers(session, DEAL, KEYS, now=NOW)]
        session.commit()
        return given, people


def forged_events(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == "approval.forged")))


def test_a_row_inserted_without_the_key_is_neither_applied_nor_counted_and_is_audited_once(
    engine: Engine, four_eyes: dict[str, Invitation]
) -> None:
    by_link(engine, four_eyes["director1@vendor.example"])
    second = four_eyes["director2@vendor.example"]
    with Session(engine) as session:  # what a database writer does: an answer, the grant marked used
        session.add(
            ApprovalAnswer(
                request_id=second.request.id or 0,
                person_id=second.person.id or 0,
                person_email=second.person.email,
                decision="approve",
                via="link",
                actor=second.person.email,
                answered_at=NOW,
                mac="0" * 64,
            )
        )
        session.exec(
            update(ApprovalGrant).where(col(ApprovalGrant.person_id) == second.person.id).values(used_at=NOW)
        )
        session.commit()

    assert counted(engine) == (1, ["director1@vendor.example"]), "one approval of two: still waiting"
    assert counted(engine) == (1, ["director1@vendor.example"])
    [event] = forged_events(engine)
    assert event.details["person"] == "director2@vendor.example" and "not applied" in event.details["why"]


def test_a_genuine_answer_altered_in_the_database_no_longer_counts(
    engine: Engine, four_eyes: dict[str, Invitation]
) -> None:
    by_link(engine, four_eyes["director1@vendor.example"], "reject")
    with Session(engine) as session:
        session.exec(update(ApprovalAnswer).values(decision="approve"))  # type: ignore[call-overload]
        session.commit()
    assert counted(engine) == (0, [])
    assert len(forged_events(engine)) == 1


def test_a_mac_copied_from_another_answer_does_not_verify(
    engine: Engine, four_eyes: dict[str, Invitation]
) -> None:
    by_link(engine, four_eyes["director1@vendor.example"])
    with Session(engine) as session:
        genuine = session.exec(select(ApprovalAnswer)).one()
        second = four_eyes["director2@vendor.example"]
        copy = genuine.model_copy(
            update={"id": None, "person_id": second.person.id, "person_email": second.person.email}
        )
        session.add(ApprovalAnswer.model_validate(copy.model_dump()))
        session.commit()
    assert counted(engine) == (1, ["director1@vendor.example"])


def test_one_operator_cannot_meet_four_eyes_alone(engine: Engine, four_eyes: dict[str, Invitation]) -> None:
    with Session(engine) as session:
        add_person(session, "ops@vendor.example", Role.CHANNEL_OPS)
        relayed = answer_on_behalf(
            session,
            KEYS,
            DEAL,
            "director1@vendor.example",
            Reply("approve"),
            operator_link=operator_link(session, "ops@vendor.example"),
            reason="phone",
            now=NOW,
        )
        again = answer_on_behalf(
            session,
            KEYS,
            DEAL,
            "director2@vendor.example",
            Reply("approve"),
            operator_link=operator_link(session, "ops@vendor.example"),
            reason="phone",
            now=NOW,
        )
        session.commit()
    assert isinstance(relayed, Recorded)
    assert isinstance(again, Refused) and "already relayed" in again.reason
    assert counted(engine)[0] == 0, "a relayed answer is no distinct approver on four eyes"
    by_link(engine, four_eyes["director2@vendor.example"])
    assert counted(engine)[0] == 1, "the director's own answer counts; the relayed one still does not"


def test_a_refusal_on_the_command_line_stays_audited(
    engine: Engine, four_eyes: dict[str, Invitation]
) -> None:
    result = CliRunner().invoke(
        app, ["approvals", "decide", "registration", "7", "approve", "--code", "AAAAA-AAAAA"]
    )
    assert result.exit_code == 1 and "refused" in result.output
    with Session(engine) as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "approval.refused")).all()
    assert [event.details["via"] for event in refused] == ["code"]


def test_answers_pending_at_the_upgrade_are_sealed_by_it(settings: Settings) -> None:
    """A review that spans the upgrade goes on: its answers recorded before 0026 are sealed by it."""
    migrate(settings.database_url, "0025")
    from partnerflow.db import get_engine

    engine = get_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO person (id, email, name, locale, active) VALUES (1, 'd@v.example', 'D', 'fr', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO approval_request (id, subject_kind, subject_id, round, role, "
                "approvers_required, summary, requested_at, expires_at) VALUES (1, 'registration', 7, 1, "
                "'channel-director', 1, '', '2026-11-23 09:00:00.000000', '2026-11-26 09:00:00.000000')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO approval_answer (request_id, person_id, person_email, decision, comment, "
                "details, via, actor, reason, answered_at) VALUES (1, 1, 'd@v.example', 'approve', 'ok', "
                "'{}', 'link', 'd@v.example', '', '2026-11-23 10:00:00.000000')"
            )
        )
    migrate(settings.database_url)
    with Session(engine) as session:
        assert [a.person_email for a, _ in unapplied_answers(session, DEAL, KEYS, now=NOW)] == ["d@v.example"]


def test_a_code_typed_into_another_decisions_form_is_burned_and_its_owner_told(
    engine: Engine, four_eyes: dict[str, Invitation]
) -> None:
    code = four_eyes["director1@vendor.example"].code
    with Session(engine) as session:
        elsewhere = answer_by_code(session, KEYS, Subject("settlement", 3), code, Reply("approve"), now=NOW)
        session.commit()
        later = answer_by_code(session, KEYS, DEAL, code, Reply("approve"), now=NOW)
        session.commit()
        [burned, used] = session.exec(
            select(AuditEvent).where(AuditEvent.action == "approval.refused").order_by(col(AuditEvent.id))
        ).all()
    assert isinstance(elsewhere, Refused) and "no longer works" in elsewhere.reason
    assert isinstance(later, Refused) and "already used" in later.reason, "Prefect kept it: it opens nothing"
    assert burned.details["person"] == "director1@vendor.example", "its owner is told (refusal notice)"
    assert used.details["person"] == "director1@vendor.example"


def test_an_operator_proves_who_they_are_with_their_own_mailed_link(
    engine: Engine, four_eyes: dict[str, Invitation]
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        add_person(session, "ops@vendor.example", Role.CHANNEL_OPS)
        link = operator_link(session, "ops@vendor.example")

        def relay(token: str, email: str = "director1@vendor.example") -> object:
            reply = Reply("approve")
            return answer_on_behalf(
                session, KEYS, DEAL, email, reply, operator_link=token, reason="phone", now=NOW
            )

        guessed = relay("not-a-link")
        own = relay(operator_link(session, "director2@vendor.example"), "director2@vendor.example")
        done = relay(link)
        reused = relay(link, "director2@vendor.example")
        session.commit()
    assert isinstance(guessed, Refused) and guessed.reason.startswith("--operator-link:")
    assert isinstance(own, Refused) and "your own link or code" in own.reason
    assert isinstance(done, Recorded) and done.answer.actor == "operator:ops@vendor.example"
    assert isinstance(reused, Refused) and "used already" in reused.reason, "the link is single use"
