"""A partner may quote a customer's referral code on a deal registration: the registered customer
becomes that sponsor's referral (once), and its won deal qualifies it like any other."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import Referral, SponsorInvitation
from partnerflow.referrals.codes import referrals_from_codes
from partnerflow.registration.intake import IntakeResult
from partnerflow.registration.protection import close_registration
from tests.factories import CLOSED_AS_RECORDED, submission
from tests.referrals.test_qualification import qualify, rewards, sponsor

Submit = Callable[..., IntakeResult]


def sponsor_code(engine: Engine) -> str:
    with Session(engine) as session:
        invitation = session.get_one(SponsorInvitation, sponsor(session))
        session.commit()
        return invitation.code


def linked(engine: Engine) -> int:
    with Session(engine) as session:
        created = referrals_from_codes(session)
        session.commit()
        return created


def test_a_quoted_code_refers_the_registered_customer_once_and_its_won_deal_qualifies(
    engine: Engine, network: dict[str, int], submit: Submit
) -> None:
    code = sponsor_code(engine)
    deal = submit(submission(network["first"], referral_code=code.lower())).registration_id
    submit(submission(network["second"], referral_code=code, customer_name="Acme Industrie"))  # same buyer

    assert (linked(engine), linked(engine)) == (1, 0)
    with Session(engine) as session:
        [referral] = session.exec(select(Referral)).all()
        named = (referral.company, referral.customer_key)
        close_registration(
            session,
            deal,
            won=True,
            amount=Decimal("20000"),
            closed_on=date(2027, 1, 10),
            actor="test",
            close_review=CLOSED_AS_RECORDED,
            now=datetime.combine(date(2027, 1, 10), time(17), tzinfo=UTC),
        )
        session.commit()
    assert named == ("Acme Industrie SAS", "domain:acme.fr")
    assert qualify(engine).qualified == 1
    assert {side: amount for side, (amount, _status, _day) in rewards(engine).items()} == {
        "sponsor": "1000.00",
        "referred": "300.00",
    }


def test_a_badly_formed_code_is_refused_with_the_registration_and_an_unknown_one_listed(
    engine: Engine, network: dict[str, int], submit: Submit
) -> None:
    refused = submit(submission(network["first"], referral_code="K7M2-Q9X"))
    accepted = submit(submission(network["first"], referral_code="ZZZZ9999"))

    assert refused.outcome == "refused" and any("referral_code" in p for p in refused.problems)
    assert linked(engine) == 0
    result = CliRunner().invoke(app, ["referrals", "codes"])
    assert f"registration {accepted.registration_id}: ZZZZ9999 (Acme Industrie SAS)" in result.output
