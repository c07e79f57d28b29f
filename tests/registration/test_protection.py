"""After approval: reminders before expiry, expiry, extensions, and the deal's close."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from partnerflow.models import Notification, ProtectionClaim, RegistrationStatus
from partnerflow.policy import CloseReview
from partnerflow.registration.intake import IntakeResult
from partnerflow.registration.protection import (
    ExpiryReport,
    ProtectionError,
    close_registration,
    expiry_sweep,
    request_extension,
)
from tests.factories import NOW, POLICY, RENDERER, load_registration, submission

ENDS = date(2027, 2, 21)  # NOW + 90 days


def sweep(engine: Engine, today: date) -> ExpiryReport:
    with Session(engine) as session:
        report = expiry_sweep(
            session,
            policy_for=lambda _day: POLICY,
            renderer=RENDERER,
            now=datetime.combine(today, time(9), tzinfo=UTC),
        )
        session.commit()
        return report


def claims(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(ProtectionClaim)).one()


@pytest.fixture
def approved(network: dict[str, int], submit: Callable[..., IntakeResult]) -> int:
    return submit(submission(network["first"])).registration_id


def test_a_reminder_goes_out_fourteen_days_before_the_end(engine: Engine, approved: int) -> None:
    assert sweep(engine, ENDS - timedelta(days=15)).reminded == []
    assert sweep(engine, ENDS - timedelta(days=14)).reminded == [approved]
    assert sweep(engine, ENDS - timedelta(days=13)).reminded == []


def test_a_late_sweep_sends_one_reminder_not_two(engine: Engine, approved: int) -> None:
    assert sweep(engine, ENDS - timedelta(days=2)).reminded == [approved]
    with Session(engine) as session:
        count = session.exec(
            select(func.count())
            .select_from(Notification)
            .where(Notification.template == "deal_expiry_reminder")
        ).one()
    assert count == 1


def test_protection_holds_through_its_last_day_then_expires(engine: Engine, approved: int) -> None:
    assert sweep(engine, ENDS).expired == []
    assert sweep(engine, ENDS + timedelta(days=1)).expired == [approved]
    assert load_registration(engine, approved).status == RegistrationStatus.EXPIRED and claims(engine) == 0


def test_an_extension_is_granted_within_the_policy_limit(engine: Engine, approved: int) -> None:
    with Session(engine) as session:
        decision = request_extension(session, approved, policy=POLICY, renderer=RENDERER, now=NOW)
        session.commit()
    assert decision.granted and decision.protection_ends_on == ENDS + timedelta(days=60)


def test_an_extension_beyond_the_limit_is_refused_with_the_reason(engine: Engine, approved: int) -> None:
    with Session(engine) as session:
        request_extension(session, approved, policy=POLICY, renderer=RENDERER, now=NOW)
        refused = request_extension(
            session, approved, policy=POLICY, renderer=RENDERER, now=NOW + timedelta(1)
        )
        session.commit()
    assert not refused.granted and "allows 1 extension(s)" in refused.reason
    assert load_registration(engine, approved).protection_ends_on == ENDS + timedelta(days=60)


def test_a_won_deal_records_its_amount_and_releases_protection(engine: Engine, approved: int) -> None:
    with Session(engine) as session:
        close_registration(
            session,
            approved,
            won=True,
            amount=Decimal("11800.00"),
            closed_on=date(2027, 1, 10),
            actor="ops@vendor.example",
            close_review=CloseReview(),
            now=datetime.combine(date(2027, 1, 10), time(17), tzinfo=UTC),
        )
        session.commit()
    registration = load_registration(engine, approved)
    assert (registration.status, registration.closed_amount) == (RegistrationStatus.WON, Decimal("11800.00"))
    assert claims(engine) == 0


def test_a_won_deal_needs_an_amount(engine: Engine, approved: int) -> None:
    with Session(engine) as session, pytest.raises(ProtectionError, match="needs its final amount"):
        close_registration(
            session,
            approved,
            won=True,
            amount=None,
            closed_on=date(2027, 1, 10),
            actor="x",
            close_review=CloseReview(),
            now=datetime.combine(date(2027, 1, 10), time(17), tzinfo=UTC),
        )


def test_a_rejected_registration_cannot_be_closed(
    engine: Engine, network: dict[str, int], submit: Callable[..., IntakeResult]
) -> None:
    rejected = submit(submission(network["first"], expected_close_on="2028-06-01")).registration_id
    with Session(engine) as session, pytest.raises(ProtectionError, match="is rejected"):
        close_registration(
            session,
            rejected,
            won=False,
            amount=None,
            closed_on=date(2027, 1, 10),
            actor="x",
            close_review=CloseReview(),
            now=datetime.combine(date(2027, 1, 10), time(17), tzinfo=UTC),
        )
