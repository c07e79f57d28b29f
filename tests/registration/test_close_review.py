"""A won close far above its registration waits for a channel director before commissions see
it (#27: a close 1,000 times the registered amount was booked and accrued unreviewed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from flows.deal_close_review import review_deal_close
from partnerflow.approvals import Reply, Subject, answer_by_code, open_requests
from partnerflow.cli import app
from partnerflow.models import AuditEvent, ProtectionClaim, RegistrationStatus
from partnerflow.orchestration.resuming import resume_with_input
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.policy import CloseReview
from partnerflow.registration.close_review import apply_close_answer, request_close_decision
from partnerflow.registration.intake import IntakeResult
from partnerflow.registration.protection import close_registration, expiry_sweep
from tests.factories import (
    LINKS,
    NOW,
    POLICY,
    RENDERER,
    applying,
    load_registration,
    mailed_invitation,
    submission,
)
from tests.flows.test_deal_registration_flow import wait_for

DIRECTOR = "director1@vendor.example"
CLOSED_ON = date(2027, 1, 10)
REGISTERED = Decimal(12000)  # tests.factories.submission


@pytest.fixture
def approved(network: dict[str, int], submit: Callable[..., IntakeResult]) -> int:
    return submit(submission(network["first"])).registration_id


def close(engine: Engine, registration_id: int, amount: str, factor: float = 3.0) -> RegistrationStatus:
    with Session(engine) as session:
        registration = close_registration(
            session,
            registration_id,
            won=True,
            amount=Decimal(amount),
            closed_on=CLOSED_ON,
            actor="ops@vendor.example",
            close_review=CloseReview(amount_factor=factor),
            now=datetime.combine(CLOSED_ON, time(17), tzinfo=UTC),
        )
        session.commit()
        return registration.status


def protected(engine: Engine, registration_id: int) -> bool:
    with Session(engine) as session:
        query = select(ProtectionClaim).where(ProtectionClaim.registration_id == registration_id)
        return session.exec(query).first() is not None


def ask_and_answer(engine: Engine, registration_id: int, decision: str) -> str:
    with Session(engine) as session:
        request_close_decision(
            session,
            registration_id,
            RENDERER,
            links=LINKS,
            run_id="run-c",
            expires_at=NOW + timedelta(7),
            now=NOW,
        )
        session.commit()
    _link, code = mailed_invitation(engine, DIRECTOR, "close_review_requested")
    with Session(engine) as session:
        answer_by_code(
            session, LINKS.keys, Subject("close", registration_id), code, Reply(decision, ""), now=NOW
        )
        outcome = apply_close_answer(applying(session, now=NOW), registration_id)
        session.commit()
        assert open_requests(session, Subject("close", registration_id)) == [], "off every inbox once decided"
    return outcome.status


def test_a_close_up_to_the_factor_is_won_at_once(engine: Engine, approved: int) -> None:
    assert close(engine, approved, str(REGISTERED * 3)) is RegistrationStatus.WON
    assert not protected(engine, approved)


def test_a_close_above_the_factor_waits_and_keeps_its_protection(engine: Engine, approved: int) -> None:
    assert close(engine, approved, "12000000") is RegistrationStatus.CLOSE_REVIEW
    registration = load_registration(engine, approved)
    assert (registration.closed_amount, registration.closed_on) == (Decimal(12000000), CLOSED_ON)
    assert protected(engine, approved), "another partner cannot take the customer meanwhile"


def test_the_factor_is_the_policys(engine: Engine, approved: int) -> None:
    assert close(engine, approved, "30000", factor=2.0) is RegistrationStatus.CLOSE_REVIEW


def test_a_director_confirms_it_with_their_code_and_it_is_won(engine: Engine, approved: int) -> None:
    close(engine, approved, "12000000")

    assert ask_and_answer(engine, approved, "approve") == "won"

    registration = load_registration(engine, approved)
    assert (registration.status, registration.closed_amount) == (RegistrationStatus.WON, Decimal(12000000))
    assert not protected(engine, approved)
    with Session(engine) as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "registration.close-confirmed")
        ).one()
    assert (event.actor, event.details["amount"]) == (DIRECTOR, "12000000.00")


def test_a_rejected_close_is_undone_and_can_be_recorded_again(engine: Engine, approved: int) -> None:
    close(engine, approved, "12000000")

    assert ask_and_answer(engine, approved, "reject") == "approved"

    registration = load_registration(engine, approved)
    assert (registration.status, registration.closed_amount, registration.closed_on) == (
        RegistrationStatus.APPROVED,
        None,
        None,
    )
    assert protected(engine, approved)
    assert close(engine, approved, "12000") is RegistrationStatus.WON


def test_an_expired_registration_goes_back_to_expired(engine: Engine, approved: int) -> None:
    with Session(engine) as session:
        expiry_sweep(
            session,
            policy_for=lambda _day: POLICY,
            renderer=RENDERER,
            now=datetime(2027, 3, 1, 9, tzinfo=UTC),
        )
        session.commit()
    close(engine, approved, "12000000")

    assert ask_and_answer(engine, approved, "reject") == "expired"


def test_a_close_in_review_cannot_be_closed_again(engine: Engine, approved: int) -> None:
    close(engine, approved, "12000000")
    result = CliRunner().invoke(app, ["deals", "close", str(approved), "--won", "--amount", "12000"])
    assert result.exit_code == 1 and "registration 1 is close-review" in result.output


@pytest.fixture(scope="module")
def served_close_review(prefect_server: None) -> Iterator[None]:
    with served_in_thread(review_deal_close, name="partnerflow-close-review-tests"):
        yield


@pytest.mark.prefect
def test_the_command_holds_the_close_and_the_run_books_it_once_confirmed(
    served_close_review: None, engine: Engine, approved: int
) -> None:
    result = CliRunner().invoke(
        app, ["deals", "close", str(approved), "--won", "--amount", "12000000", "--date", str(CLOSED_ON)]
    )
    assert result.exit_code == 0, result.output
    assert "close-review" in result.output and "channel directors are asked" in result.output
    run_id = result.output.rsplit("(run ", 1)[1].split(")")[0]
    wait_for(run_id, pause_key="close-1")
    assert load_registration(engine, approved).status is RegistrationStatus.CLOSE_REVIEW

    _link, code = mailed_invitation(engine, DIRECTOR, "close_review_requested")
    resume_with_input(run_id, {"decision": "approve", "approval_code": code})
    final = wait_for(run_id, final=True)

    assert final.state is not None and final.state.is_completed()
    assert load_registration(engine, approved).status is RegistrationStatus.WON
