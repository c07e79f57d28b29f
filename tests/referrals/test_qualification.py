"""A referral qualifies on the referred company's first qualifying won deal: both rewards created
once, held; each fraud rule flags the rewards for a channel manager instead."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.models import (
    AuditEvent,
    Customer,
    Referral,
    ReferralReward,
    Registration,
    RegistrationStatus,
    SponsorInvitation,
)
from partnerflow.referrals.qualification import qualify_referrals
from tests.factories import WRITTEN_AT
from tests.referrals.test_customers_and_sponsors import policy

REFERRED_ON = datetime(2026, 9, 1, 10, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


def sponsor(session: Session, name: str = "Parrain SAS", email: str = "achats@parrain.example") -> int:
    customer = Customer(
        updated_at=WRITTEN_AT,
        customer_key=f"domain:{email.split('@')[1]}",
        name=name,
        email=email,
        purchases=3,
    )
    session.add(customer)
    session.flush()
    invitation = SponsorInvitation(
        sent_at=WRITTEN_AT,
        customer_id=customer.id or 0,
        code=f"C{customer.id:07d}",
        cohort="pilot",
        policy_version="2026-01-01",
    )
    session.add(invitation)
    session.flush()
    return invitation.id or 0


def referral(session: Session, invitation_id: int, key: str = "domain:filleul.example", **values: Any) -> int:
    row = Referral(
        invitation_id=invitation_id,
        company="Filleul SAS",
        contact_name="Claire",
        contact_email=f"claire@{key.split(':')[1]}",
        domain=key.split(":")[1],
        customer_key=key,
        created_at=values.pop("created_at", REFERRED_ON),
        **values,
    )
    session.add(row)
    session.flush()
    return row.id or 0


def won(session: Session, key: str, closed: date, amount: str, lines: list[str] | None = None) -> int:
    deal = Registration(
        submitted_at=WRITTEN_AT,
        status=RegistrationStatus.WON,
        customer_name="Filleul SAS",
        customer_key=key,
        closed_on=closed,
        closed_amount=Decimal(amount),
        product_lines=lines or ["network"],
        submission={},
        facts={},
        reason_texts={},
    )
    session.add(deal)
    session.flush()
    return deal.id or 0


def qualify(engine: Engine, key: str | None = None) -> Any:
    with Session(engine) as session:
        report = qualify_referrals(session, policy(), now=NOW, customer_key=key)
        session.commit()
        return report


def rewards(engine: Engine) -> dict[str, tuple[str, str, str]]:
    with Session(engine) as session:
        return {
            r.side: (str(r.amount), r.status.value, str(r.payable_from))
            for r in session.exec(select(ReferralReward))
        }


def test_the_first_qualifying_deal_creates_both_rewards_once_and_holds_them(engine: Engine) -> None:
    with Session(engine) as session:
        invitation = sponsor(session)
        referral(session, invitation)
        won(session, "domain:filleul.example", date(2026, 9, 20), "3000")  # under the 5,000 minimum
        deal = won(session, "domain:filleul.example", date(2026, 10, 15), "40000")
        won(session, "domain:filleul.example", date(2026, 11, 1), "90000")  # not the first
        session.commit()
    first, again = qualify(engine), qualify(engine)

    assert (first.qualified, again.qualified) == (1, 0)
    assert rewards(engine) == {
        "sponsor": ("1000.00", "held", "2026-12-14"),  # 5 % of 40,000 = 2,000, capped at 1,000
        "referred": ("300.00", "held", "2026-12-14"),
    }
    with Session(engine) as session:
        stored = session.exec(select(Referral)).one()
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "referral.qualified")).one()
    assert (stored.status.value, stored.registration_id, stored.flags) == ("qualified", deal, [])
    assert event.details["sponsor_reward"] == "1000.00"


def test_a_deal_too_late_or_of_another_company_qualifies_nothing(engine: Engine) -> None:
    with Session(engine) as session:
        referral(session, sponsor(session))
        won(session, "domain:filleul.example", date(2027, 6, 1), "40000")  # 273 days later: over 180
        won(session, "domain:autre.example", date(2026, 10, 1), "40000")
        session.commit()
    assert qualify(engine).qualified == 0 and rewards(engine) == {}


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("self", "self-referral"),
        ("known", "already a customer"),
        ("many", "referrals by this sponsor"),
        ("ring", "ring"),
    ],
)
def test_each_fraud_rule_flags_the_rewards_instead(engine: Engine, case: str, expected: str) -> None:
    key = "domain:filleul.example"
    with Session(engine) as session:
        invitation = sponsor(session)
        if case == "self":
            key = "domain:parrain.example"
        if case == "known":
            won(session, key, date(2026, 3, 1), "8000")
        if case == "many":
            for number in range(5):
                referral(session, invitation, f"domain:autre{number}.example")
        if case == "ring":
            other = sponsor(session, "Filleul SAS", "achats@filleul.example")
            referral(session, other, "domain:parrain.example")
        target = referral(session, invitation, key)
        won(session, key, date(2026, 10, 15), "40000")
        session.commit()
    report = qualify(engine, key)
    with Session(engine) as session:
        stored = session.get_one(Referral, target)
        statuses = {
            r.status.value
            for r in session.exec(select(ReferralReward).where(ReferralReward.referral_id == target))
        }
    assert report.flagged == 1 and stored.status.value == "flagged"
    assert any(expected in flag for flag in stored.flags), stored.flags
    assert statuses == {"flagged"}


def test_a_sponsor_earns_at_most_the_yearly_cap(engine: Engine) -> None:
    with Session(engine) as session:
        invitation = sponsor(session)
        for number in range(6):
            key = f"domain:filleul{number}.example"
            referral(session, invitation, key, created_at=REFERRED_ON + timedelta(days=31 * (number // 4)))
            won(session, key, date(2026, 10, 15), "40000")
        session.commit()
    assert qualify(engine).qualified == 6
    with Session(engine) as session:
        sponsor_rewards = sorted(
            str(r.amount)
            for r in session.exec(select(ReferralReward).where(ReferralReward.side == "sponsor"))
        )
    assert sponsor_rewards == ["0.00", "1000.00", "1000.00", "1000.00", "1000.00", "1000.00"]


def test_the_command_shows_a_referral_with_its_flags_and_rewards(engine: Engine) -> None:
    import json

    from typer.testing import CliRunner

    from partnerflow.cli import app

    with Session(engine) as session:
        target = referral(session, sponsor(session), "domain:parrain.example")  # a self-referral
        won(session, "domain:parrain.example", date(2026, 10, 15), "40000")
        session.commit()
    qualify(engine)
    shown = CliRunner().invoke(app, ["referrals", "show", str(target)])
    as_json = json.loads(CliRunner().invoke(app, ["referrals", "show", str(target), "--json"]).output)
    missing = CliRunner().invoke(app, ["referrals", "show", "999"])
    assert (
        shown.exit_code == 0
        and "flag: self-referral" in shown.output
        and "sponsor: 1000.00 EUR flagged" in shown.output
    )
    assert [reward["side"] for reward in as_json["rewards"]] == ["referred", "sponsor"]
    assert missing.exit_code == 1 and "no referral 999" in missing.output


def test_two_sponsors_of_one_company_one_qualifies_the_other_is_flagged(engine: Engine) -> None:
    with Session(engine) as session:
        first = referral(session, sponsor(session))
        second = referral(session, sponsor(session, "Autre Parrain SA", "achats@autre-parrain.example"))
        won(session, "domain:filleul.example", date(2026, 10, 15), "40000")
        session.commit()
    report = qualify(engine)
    with Session(engine) as session:
        stored = {row.id: (row.status.value, row.flags) for row in session.exec(select(Referral))}
    assert (report.qualified, report.flagged) == (1, 1)
    assert stored[first] == ("qualified", [])
    assert stored[second] == ("flagged", [f"another sponsor referred this company first (referral {first})"])


def test_a_later_referral_of_a_company_already_qualified_is_flagged_by_the_event_run(engine: Engine) -> None:
    with Session(engine) as session:
        first = referral(session, sponsor(session))
        won(session, "domain:filleul.example", date(2026, 10, 15), "40000")
        session.commit()
    qualify(engine, "domain:filleul.example")
    with Session(engine) as session:
        late = referral(
            session,
            sponsor(session, "Tardif SAS", "achats@tardif.example"),
            created_at=datetime(2026, 9, 2, 10, tzinfo=UTC),
        )
        session.commit()
    assert qualify(engine, "domain:filleul.example").flagged == 1
    with Session(engine) as session:
        flags = session.get_one(Referral, late).flags
    assert flags == [f"another sponsor referred this company first (referral {first})"]
