"""Reviewers decide: entitlement, four eyes, rejection, request-info and the partner's update."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import DecisionOutcome, Refused
from partnerflow.models import AuditEvent, Notification, Registration, RegistrationStatus
from partnerflow.registration.intake import IntakeResult
from partnerflow.registration.review import (
    apply_answers,
    request_review,
    review_subject,
    review_summary,
)
from partnerflow.registration.updates import UpdateRefused, update_registration
from tests.factories import (
    LINKS,
    NOW,
    POLICY,
    RENDERER,
    answer_as,
    applying,
    delivered_text,
    load_registration,
    submission,
)

Submit = Callable[..., IntakeResult]


def ask_reviewers(engine: Engine, registration_id: int) -> int:
    with Session(engine) as session:
        registration = session.get(Registration, registration_id)
        assert registration is not None
        asked = request_review(
            session, registration, links=LINKS, renderer=RENDERER, expires_at=NOW + timedelta(days=5), now=NOW
        )
        session.commit()
        return asked


def answer(
    engine: Engine, registration_id: int, hour: int, decision: str, reviewer: str, comment: str = ""
) -> DecisionOutcome | Refused:
    """``reviewer`` answers with their personal link at NOW + ``hour``; the review applies it."""
    ask_reviewers(engine, registration_id)
    at = NOW + timedelta(hours=hour)
    with Session(engine) as session:
        outcome = answer_as(session, review_subject(registration_id), reviewer, decision, comment, now=at)
        result = apply_answers(applying(session, now=at, policy=POLICY), registration_id)
        session.commit()
        return outcome if isinstance(outcome, Refused) else result


def status(engine: Engine, registration_id: int) -> RegistrationStatus:
    return load_registration(engine, registration_id).status


@pytest.fixture
def large_deal(engine: Engine, network, submit: Submit) -> int:
    return submit(submission(network["first"], amount="400000")).registration_id


@pytest.fixture
def newcomer_deal(engine: Engine, network, submit: Submit) -> int:
    return submit(submission(network["newcomer"])).registration_id


def test_a_reviewer_without_the_role_is_refused_audited_and_the_review_waits(
    engine: Engine, large_deal: int
) -> None:
    result = answer(engine, large_deal, 1, "approve", "manager@vendor.example")
    assert result == Refused(f"this code is not valid for registration {large_deal}")
    assert status(engine, large_deal) == RegistrationStatus.PENDING_REVIEW
    with Session(engine) as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "approval.refused")).one()
    assert refused.subject_id == str(large_deal)


def test_someone_outside_the_team_is_refused(engine: Engine, large_deal: int) -> None:
    assert isinstance(answer(engine, large_deal, 1, "approve", "intruder@example.com"), Refused)
    assert status(engine, large_deal) == RegistrationStatus.PENDING_REVIEW


def test_four_eyes_needs_two_distinct_approvers(engine: Engine, large_deal: int) -> None:
    assert answer(engine, large_deal, 1, "approve", "director1@vendor.example").message == "1 of 2 approvals"
    again = answer(engine, large_deal, 2, "approve", "director1@vendor.example")
    assert isinstance(again, Refused) and "already used" in again.reason
    assert answer(engine, large_deal, 3, "approve", "director2@vendor.example") == DecisionOutcome(
        True, "approved", "approved"
    )
    assert status(engine, large_deal) == RegistrationStatus.APPROVED


def test_any_rejection_ends_a_four_eyes_review(engine: Engine, large_deal: int) -> None:
    answer(engine, large_deal, 1, "approve", "director1@vendor.example")
    assert answer(
        engine, large_deal, 2, "reject", "director2@vendor.example", "Budget not confirmed."
    ) == DecisionOutcome(True, "rejected", "rejected")
    with Session(engine) as session:
        registration = session.get(Registration, large_deal)
        assert registration is not None
    assert (registration.status, registration.reason) == (
        RegistrationStatus.REJECTED,
        "Budget not confirmed.",
    )


def test_applying_again_changes_nothing(engine: Engine, newcomer_deal: int) -> None:
    answer(engine, newcomer_deal, 1, "request-info", "manager@vendor.example", "Who signs?")
    with Session(engine) as session:
        again = apply_answers(applying(session, now=NOW, policy=POLICY), newcomer_deal)
        session.commit()
    assert again == DecisionOutcome(False, "info-requested", "no new answer; still open")
    assert status(engine, newcomer_deal) == RegistrationStatus.INFO_REQUESTED
    with Session(engine) as session:
        asked = session.exec(select(Notification).where(Notification.template == "deal_info_requested")).all()
    assert len(asked) == 1


def test_request_info_asks_the_partner_the_question(engine: Engine, newcomer_deal: int) -> None:
    answer(engine, newcomer_deal, 1, "request-info", "manager@vendor.example", "Who is the decision maker?")
    with Session(engine) as session:
        mail = session.exec(select(Notification).where(Notification.template == "deal_info_requested")).one()
    assert mail.recipient == "hello@capdata.example" and "Who is the decision maker?" in mail.text_body


def test_the_partners_update_is_evaluated_again(engine: Engine, newcomer_deal: int) -> None:
    answer(engine, newcomer_deal, 1, "request-info", "manager@vendor.example", "Which amount?")
    with Session(engine) as session:
        result = update_registration(
            session,
            newcomer_deal,
            {"amount": "300000"},
            policy=POLICY,
            renderer=RENDERER,
            now=NOW + timedelta(days=1),
        )
        session.commit()
    assert (result.outcome, result.rule_id) == ("review", "large-deal")
    assert status(engine, newcomer_deal) == RegistrationStatus.PENDING_REVIEW


def test_an_invalid_update_is_refused_and_changes_nothing(engine: Engine, newcomer_deal: int) -> None:
    answer(engine, newcomer_deal, 1, "request-info", "manager@vendor.example", "Which amount?")
    with Session(engine) as session, pytest.raises(UpdateRefused, match="amount must be greater than 0"):
        update_registration(
            session, newcomer_deal, {"amount": "0"}, policy=POLICY, renderer=RENDERER, now=NOW
        )


def test_only_a_registration_waiting_for_information_can_be_updated(
    engine: Engine, newcomer_deal: int
) -> None:
    with Session(engine) as session, pytest.raises(UpdateRefused, match="is pending-review"):
        update_registration(
            session, newcomer_deal, {"amount": "10"}, policy=POLICY, renderer=RENDERER, now=NOW
        )


def test_reviewers_of_the_level_each_get_their_own_link_and_code_once(
    engine: Engine, large_deal: int
) -> None:
    assert ask_reviewers(engine, large_deal) == 2
    assert ask_reviewers(engine, large_deal) == 0, "a retried step mails nobody twice"
    with Session(engine) as session:
        mails = session.exec(select(Notification).where(Notification.template == "review_requested")).all()
    assert {mail.recipient for mail in mails} == {"director1@vendor.example", "director2@vendor.example"}
    links = {line for mail in mails for line in delivered_text(mail).split() if "/approve/" in line}
    assert len(links) == 2 and all(link.startswith(f"{LINKS.web_url}/approve/") for link in links)
    assert all("code" in mail.text_body for mail in mails)


def test_the_summary_explains_the_escalation_and_neutralises_partner_text(
    engine: Engine, network, submit: Submit
) -> None:
    result = submit(submission(network["first"], amount="400000", customer_name="[click](http://evil) SA"))
    with Session(engine) as session:
        registration = session.get(Registration, result.registration_id)
        assert registration is not None
        summary = review_summary(session, registration)
    assert "rule `large-deal`" in summary and "**2** approval(s)" in summary
    assert "[click](http://evil)" not in summary
