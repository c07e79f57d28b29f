"""Answers count only from the person whose grant they carry: once, in time, in the current round."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import (
    Ask,
    FormAnswer,
    Invitation,
    Keys,
    Links,
    Recorded,
    Refused,
    Reply,
    Subject,
    Woken,
    answer_by_code,
    answer_by_link,
    answer_on_behalf,
    approvals_given,
    open_round,
    receive_form,
    unapplied_answers,
    wake_values,
)
from partnerflow.models import AuditEvent, Role
from tests.factories import NOW, add_person, operator_link

KEYS = Keys("a test key that is long enough")
DEAL = Subject("registration", 7)
WEB = "http://127.0.0.1:4280"
RUN = "0b8f1c56-7a1e-4d0f-9d55-2f9a0c1e2d3b"


@pytest.fixture
def directors(engine: Engine) -> None:
    with Session(engine) as session:
        add_person(session, "director1@vendor.example", Role.CHANNEL_DIRECTOR)
        add_person(session, "director2@vendor.example", Role.CHANNEL_DIRECTOR)
        add_person(session, "manager@vendor.example", Role.CHANNEL_MANAGER)
        session.commit()


def invite(engine: Engine, *, round_number: int = 1, role: str = "channel-director") -> dict[str, Invitation]:
    with Session(engine) as session:
        invitations = open_round(
            session,
            Links(KEYS, WEB, "http://ui"),
            Ask(
                DEAL,
                role=role,
                approvers_required=2,
                summary="### Registration #7",
                expires_at=NOW + timedelta(days=3),
                flow_run_id=None,
                round_number=round_number,
            ),
            now=NOW,
        )
        session.commit()
        return {invitation.person.email: invitation for invitation in invitations}


def by_link(engine: Engine, invitation: Invitation, decision: str = "approve", *, hours: int = 1):
    token = invitation.link.rsplit("/", 1)[1]
    with Session(engine) as session:
        outcome = answer_by_link(session, KEYS, token, Reply(decision), now=NOW + timedelta(hours=hours))
        session.commit()
        return outcome


def refusals(engine: Engine) -> list[str]:
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "approval.refused"))
        return [event.details["reason"] for event in events]


def test_each_entitled_person_gets_a_personal_link_and_code_once(engine: Engine, directors: None) -> None:
    first = invite(engine)
    assert set(first) == {"director1@vendor.example", "director2@vendor.example"}
    assert first["director1@vendor.example"].link.startswith(f"{WEB}/approve/")
    assert first["director1@vendor.example"].code != first["director2@vendor.example"].code
    assert invite(engine) == {}, "a retried step issues no second grant"


def test_an_impostor_without_a_grant_is_refused(engine: Engine, directors: None) -> None:
    invite(engine)
    with Session(engine) as session:
        outcome = answer_by_code(session, KEYS, DEAL, "ABCDE-FGHJK", Reply("approve"), now=NOW)
        session.commit()
    assert outcome == Refused("this code is not valid for registration 7")
    assert refusals(engine) == ["this code is not valid for registration 7"]


def test_a_link_altered_or_signed_with_another_key_is_refused(engine: Engine, directors: None) -> None:
    link = invite(engine)["director1@vendor.example"].link
    forged = Keys("another installation's key!").link_token(KEYS.read_link(link.rsplit("/", 1)[1]))  # type: ignore[arg-type]
    with Session(engine) as session:
        for token in (forged, link.rsplit("/", 1)[1][:-2] + "xx"):
            assert isinstance(answer_by_link(session, KEYS, token, Reply("approve"), now=NOW), Refused)


def test_a_replayed_link_is_refused(engine: Engine, directors: None) -> None:
    invitation = invite(engine)["director1@vendor.example"]
    assert isinstance(by_link(engine, invitation), Recorded)
    replay = by_link(engine, invitation)
    assert isinstance(replay, Refused) and "already used" in replay.reason


def test_a_round_one_link_is_refused_in_round_two(engine: Engine, directors: None) -> None:
    first = invite(engine, role="channel-manager")["manager@vendor.example"]
    invite(engine, round_number=2)
    outcome = by_link(engine, first)
    assert outcome == Refused("this link is for round 1; the decision is now in round 2")


def test_an_expired_link_is_refused(engine: Engine, directors: None) -> None:
    outcome = by_link(engine, invite(engine)["director1@vendor.example"], hours=73)
    assert isinstance(outcome, Refused) and "expired" in outcome.reason


def test_the_same_person_twice_is_one_approval_and_two_people_are_four_eyes(
    engine: Engine, directors: None
) -> None:
    invitations = invite(engine)
    by_link(engine, invitations["director1@vendor.example"])
    with Session(engine) as session:
        again = answer_by_code(
            session, KEYS, DEAL, invitations["director1@vendor.example"].code, Reply("approve"), now=NOW
        )
        session.commit()
    assert isinstance(again, Refused)
    with Session(engine) as session:
        assert (
            approvals_given(session, unapplied_answers(session, DEAL, KEYS, now=NOW)[0][1], KEYS, now=NOW)
            == 1
        )
    by_link(engine, invitations["director2@vendor.example"])
    with Session(engine) as session:
        assert (
            approvals_given(session, unapplied_answers(session, DEAL, KEYS, now=NOW)[0][1], KEYS, now=NOW)
            == 2
        )


def test_a_person_who_lost_the_role_is_refused(engine: Engine, directors: None) -> None:
    invitation = invite(engine)["director1@vendor.example"]
    with Session(engine) as session:
        person = session.get(type(invitation.person), invitation.person.id)
        assert person is not None
        person.active = False
        session.add(person)
        session.commit()
    assert by_link(engine, invitation) == Refused(
        "director1@vendor.example no longer holds the channel-director role"
    )


def test_a_decision_the_subject_does_not_take_is_refused(engine: Engine, directors: None) -> None:
    outcome = by_link(engine, invite(engine)["director1@vendor.example"], decision="maybe")
    assert outcome == Refused("the decision must be one of approve, reject, request-info")


def test_a_form_carrying_a_genuine_wake_up_records_nothing(engine: Engine, directors: None) -> None:
    invite(engine)
    with Session(engine) as session:
        woken = receive_form(session, KEYS, DEAL, woken_by(KEYS, RUN), flow_run_id=RUN, now=NOW)
        other = receive_form(session, KEYS, DEAL, woken_by(KEYS, "another-run"), flow_run_id=RUN, now=NOW)
        forger = Keys("not partnerflow's key...")
        forged = receive_form(session, KEYS, DEAL, woken_by(forger, RUN), flow_run_id=RUN, now=NOW)
        session.commit()
    assert woken == Woken()
    assert other == forged == Refused("a wake-up that partnerflow did not sign")


def woken_by(keys: Keys, run_id: str) -> FormAnswer:
    """The answer a run reads when partnerflow (or a forger) wakes it."""
    return FormAnswer.model_validate(wake_values(keys, run_id, "registration"))


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"decision": "approve", "details": {"reviewer_email": "director1@vendor.example"}},
        {"decision": "", "approval_code": "   ", "comment": ""},
        {"decision": "approve", "approval_code": "wake.forged"},
    ],
)
def test_malformed_form_values_are_refused_never_raised(engine: Engine, directors: None, values) -> None:
    invite(engine)
    with Session(engine) as session:
        answer = FormAnswer.model_validate(values)
        assert isinstance(receive_form(session, KEYS, DEAL, answer, flow_run_id=RUN, now=NOW), Refused)
        assert unapplied_answers(session, DEAL, KEYS, now=NOW) == []


@pytest.mark.parametrize(
    "values",
    [
        {"decision": None, "approval_code": None, "comment": None},
        {"decision": ["approve"], "approval_code": {"x": 1}, "comment": 3},
        {"decision": "approve", "approval_code": "X", "reviewer_email": "director1@vendor.example"},
    ],
)
def test_a_form_answer_of_the_wrong_shape_never_reaches_the_task(values) -> None:
    """What Prefect's form would not let through cannot be typed into an answer either: the run
    reads it as an empty round (``flows.runners.DecisionRounds``), which is refused."""
    with pytest.raises(ValidationError):
        FormAnswer.model_validate(values)


def test_an_operator_answers_for_someone_only_with_a_reason_and_is_the_actor(
    engine: Engine, directors: None
) -> None:
    invite(engine)
    with Session(engine) as session:
        link = operator_link(session, "manager@vendor.example", KEYS)
        missing = answer_on_behalf(
            session,
            KEYS,
            DEAL,
            "director1@vendor.example",
            Reply("approve"),
            operator_link=link,
            reason=" ",
            now=NOW,
        )
        done = answer_on_behalf(
            session,
            KEYS,
            DEAL,
            "Director1@vendor.example",
            Reply("approve"),
            operator_link=link,
            reason="approved by phone, ticket 42",
            now=NOW,
        )
        session.commit()
        assert isinstance(missing, Refused) and isinstance(done, Recorded)
        assert (done.answer.actor, done.answer.person_email, done.answer.via) == (
            "operator:manager@vendor.example",
            "director1@vendor.example",
            "operator",
        )
        answered = session.exec(select(AuditEvent).where(AuditEvent.action == "approval.answered")).one()
    assert answered.actor == "operator:manager@vendor.example"
    assert answered.details["reason"] == "approved by phone, ticket 42"


def test_keys_never_show_the_secret() -> None:
    assert "test key" not in repr(KEYS)


def test_a_run_whose_answer_arrived_while_it_was_busy_is_listed_for_waking_until_applied(
    engine: Engine, directors: None
) -> None:
    from partnerflow.approvals import mark_applied, runs_with_unapplied_answers

    with Session(engine) as session:
        [invitation, *_] = open_round(
            session,
            Links(KEYS, WEB, "http://ui"),
            Ask(
                DEAL,
                role="channel-director",
                approvers_required=1,
                summary="",
                expires_at=NOW + timedelta(days=1),
                flow_run_id=RUN,
                round_number=1,
            ),
            now=NOW,
        )
        session.commit()
    by_link(engine, invitation)
    with Session(engine) as session:
        assert runs_with_unapplied_answers(session) == [RUN]
        [(answer, _request)] = unapplied_answers(session, DEAL, KEYS, now=NOW)
        mark_applied(session, answer, NOW)
        session.commit()
        assert runs_with_unapplied_answers(session) == []
