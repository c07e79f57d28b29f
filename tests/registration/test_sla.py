"""The review clock, with time controlled: remind, escalate, then the policy's final outcome."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import DecisionOutcome, Refused
from partnerflow.models import Notification, Registration, RegistrationStatus
from partnerflow.registration.intake import IntakeResult
from partnerflow.registration.review import apply_answers, request_review, review_subject
from partnerflow.registration.sla import SweepReport, sweep_reviews
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


def sweep(engine: Engine, at: datetime) -> SweepReport:
    with Session(engine) as session:
        report = sweep_reviews(
            session, policy_for=lambda _day: POLICY, renderer=RENDERER, links=LINKS, now=at
        )
        session.commit()
        return report


def templates_sent(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(n.template for n in session.exec(select(Notification)))


@pytest.fixture
def pending(engine: Engine, network: dict[str, int], submit: Callable[..., IntakeResult]) -> int:
    """A newcomer's deal, escalated to a channel manager at NOW, its run id recorded."""
    registration_id = submit(submission(network["newcomer"])).registration_id
    with Session(engine) as session:
        registration = session.get(Registration, registration_id)
        assert registration is not None
        registration.flow_run_id = "0b7a0f0e-0000-4000-8000-000000000001"
        session.add(registration)
        request_review(
            session, registration, links=LINKS, renderer=RENDERER, expires_at=NOW + timedelta(days=5), now=NOW
        )
        session.commit()
    return registration_id


def test_nothing_happens_before_the_reminder_is_due(engine: Engine, pending: int) -> None:
    assert sweep(engine, NOW + timedelta(hours=23)) == SweepReport()


def test_reviewers_are_reminded_once_after_remind_after(engine: Engine, pending: int) -> None:
    assert sweep(engine, NOW + timedelta(hours=25)).reminded == [pending]
    assert sweep(engine, NOW + timedelta(hours=26)).reminded == []
    assert templates_sent(engine).count("review_reminder") == 1
    with Session(engine) as session:
        reminder = session.exec(select(Notification).where(Notification.template == "review_reminder")).one()
    assert f"{LINKS.web_url}/approve/" in delivered_text(reminder), "the reviewer's own link again"


def test_after_escalate_after_the_next_level_is_notified_and_entitled(engine: Engine, pending: int) -> None:
    assert sweep(engine, NOW + timedelta(hours=49)).escalated == [pending]
    assert load_registration(engine, pending).review_level == "channel-director"
    assert templates_sent(engine).count("review_escalated") == 2  # both directors
    later = NOW + timedelta(hours=50)
    with Session(engine) as session:
        manager = answer_as(session, review_subject(pending), "manager@vendor.example", "approve", now=later)
        director = answer_as(
            session, review_subject(pending), "director1@vendor.example", "approve", now=later
        )
        result = apply_answers(applying(session, now=later, policy=POLICY), pending)
    assert manager == Refused("this link is for round 1; the decision is now in round 2")
    assert not isinstance(director, Refused) and result == DecisionOutcome(True, "approved", "approved")


def test_at_the_final_timeout_the_default_outcome_applies_and_the_run_is_woken(
    engine: Engine, pending: int
) -> None:
    report = sweep(engine, NOW + timedelta(days=5, minutes=1))
    registration = load_registration(engine, pending)
    assert report.timed_out == [pending] and report.runs_to_wake == [registration.flow_run_id]
    assert registration.status == RegistrationStatus.REJECTED
    assert registration.reason == "No decision was taken within the review deadline."
    assert "deal_rejected" in templates_sent(engine)


def test_decided_reviews_are_left_alone(engine: Engine, pending: int) -> None:
    with Session(engine) as session:
        answer_as(session, review_subject(pending), "manager@vendor.example", "reject")
        apply_answers(applying(session, now=NOW, policy=POLICY), pending)
        session.commit()
    assert sweep(engine, NOW + timedelta(days=30)) == SweepReport()
    assert (
        load_registration(engine, pending).decided_at is not None
        and load_registration(engine, pending).protection_ends_on is None
    )
