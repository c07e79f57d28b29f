"""Health per partner: the database counts each fact, the partner_health policy explains the level.

A small network as of 30 November 2026, each partner built to show one family of facts; the
same counts on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.health import Window, assess_partners, health_facts
from partnerflow.models import (
    ApprovalAnswer,
    ApprovalRequest,
    CommissionLine,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadTurn,
    Partner,
    PartnerStatus,
    PartnerTier,
    Registration,
    RegistrationStatus,
    Role,
    TrainingKind,
    TrainingRecord,
    TurnState,
)
from partnerflow.policy import PartnerHealthPolicy, Policy, load_policy
from partnerflow.settings import PROJECT_ROOT
from tests.factories import WRITTEN_AT, add_partner, add_person

AS_OF = datetime(2026, 11, 30, 12, tzinfo=UTC)


def policy() -> Policy[PartnerHealthPolicy]:
    loaded: Policy[PartnerHealthPolicy] = load_policy(
        "partner_health", AS_OF.date(), PROJECT_ROOT / "policies"
    )
    return loaded


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)


def partner(session: Session, name: str, *, certified: bool = True, joined: str = "2023-01-01") -> int:
    added = add_partner(session, name=name, territory="69", email=f"{name.lower()}@p.example")
    added.tier, added.certified, added.joined_on = PartnerTier.GOLD, certified, date.fromisoformat(joined)
    session.add(added)
    session.flush()
    assert added.id is not None
    return added.id


def registration(
    session: Session,
    partner_id: int,
    submitted: str,
    status: RegistrationStatus = RegistrationStatus.APPROVED,
    *,
    closed: str | None = None,
    policy_version: str = "2026-01-01",
) -> int:
    row = Registration(
        partner_id=partner_id,
        status=status,
        customer_name="Client",
        submitted_at=at(submitted),
        closed_on=date.fromisoformat(closed) if closed else None,
        policy_version=None if status is RegistrationStatus.REFUSED else policy_version,  # never evaluated
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def commission(session: Session, partner_id: int, closed: str, amount: str) -> None:
    registration_id = registration(
        session, partner_id, "2024-01-10", RegistrationStatus.WON, closed="2024-01-20"
    )
    session.add(
        CommissionLine(
            created_at=WRITTEN_AT,
            registration_id=registration_id,
            partner_id=partner_id,
            amount=Decimal(amount),
            currency="EUR",
            deal_amount=Decimal(amount) * 10,
            product_line="network",
            closed_on=date.fromisoformat(closed),
            payable_from=date.fromisoformat(closed),
            plan_version="2026-01-01",
            plan_sha256="0" * 64,
        )
    )


def review(
    session: Session, registration_id: int, requested: str, waited_days: float | None, round_number: int = 1
) -> int:
    requested_at = at(requested)
    request = ApprovalRequest(
        subject_kind="registration",
        subject_id=registration_id,
        round=round_number,
        role=Role.CHANNEL_MANAGER,
        requested_at=requested_at,
        expires_at=requested_at + timedelta(days=30),
        closed_at=None if waited_days is None else requested_at + timedelta(days=waited_days),
    )
    session.add(request)
    session.flush()
    assert request.id is not None
    return request.id


def build_network(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        manager = add_person(session, "manager@vendor.example", Role.CHANNEL_MANAGER)
        ids = {
            name: partner(session, name)
            for name in ("Steady", "Fading", "Waiting", "Lapsing")
        }  # fmt: skip
        ids["Newcomer"] = partner(session, "Newcomer", certified=False, joined="2026-10-01")
        paused = partner(session, "Paused")

        # Steady: commission up, deals won and lost, regular registrations
        commission(session, ids["Steady"], "2026-03-01", "5000")
        commission(session, ids["Steady"], "2025-06-01", "4000")
        for day in ("2026-01-15", "2026-04-15", "2026-07-15", "2026-10-15", "2026-11-10"):
            registration(session, ids["Steady"], day)
        registration(session, ids["Steady"], "2026-02-01", RegistrationStatus.WON, closed="2026-06-01")
        registration(session, ids["Steady"], "2026-02-01", RegistrationStatus.LOST, closed="2026-07-01")

        # Fading: commission a quarter of last year's, nine registrations in the year before the
        # last 90 days and none since
        commission(session, ids["Fading"], "2026-02-01", "2000")
        commission(session, ids["Fading"], "2025-09-01", "8000")
        for day in ("2025-12-05", *(f"2026-{month:02d}-05" for month in range(1, 9))):
            registration(session, ids["Fading"], day)

        # Waiting: four submissions, two refused; three reviews: two waited over 5 days (one
        # still open since 20 November), one answered in a day; one request-info answer
        registration(session, ids["Waiting"], "2026-06-01", RegistrationStatus.REFUSED)
        registration(session, ids["Waiting"], "2026-06-02", RegistrationStatus.REFUSED)
        slow = registration(session, ids["Waiting"], "2026-09-01", policy_version="2026-12-01")
        quick = registration(session, ids["Waiting"], "2026-10-01", policy_version="2025-06-01")
        review(session, slow, "2026-09-01", waited_days=10)
        asked = review(session, quick, "2026-10-01", waited_days=1)
        review(session, quick, "2026-11-20", waited_days=None, round_number=2)  # after request-info
        session.add(
            ApprovalAnswer(
                answered_at=WRITTEN_AT,
                request_id=asked,
                person_id=manager.id or 0,
                person_email=manager.email,
                decision="request-info",
                via="link",
                actor=manager.email,
            )
        )

        # Lapsing: a certification lapsing in December, a course this year, half its leads opened
        session.add(
            TrainingRecord(
                recorded_at=WRITTEN_AT,
                partner_id=ids["Lapsing"],
                course="Réseau Pro",
                kind=TrainingKind.CERTIFICATION,
                completed_on=date(2024, 12, 15),
                expires_on=date(2026, 12, 15),
            )
        )
        session.add(
            TrainingRecord(
                recorded_at=WRITTEN_AT,
                partner_id=ids["Lapsing"],
                course="Sécurité 101",
                kind=TrainingKind.COURSE,
                completed_on=date(2026, 3, 1),
            )
        )
        for number in range(10):
            lead_id = f"L-{number}"
            session.add(Lead(id=lead_id, departement="69", received_at=at("2026-05-01")))
            session.add(
                LeadTurn(
                    lead_id=lead_id,
                    reseller_id=ids["Lapsing"],
                    state=TurnState.RECORDED,
                    received_at=at("2026-05-01"),
                )
            )
            if number % 2 == 0:
                session.add(
                    LeadEvent(
                        id=f"E-{number}",
                        lead_id=lead_id,
                        reseller_id=ids["Lapsing"],
                        kind=LeadEventKind.OPENED,
                        occurred_at=at("2026-05-02"),
                    )
                )

        # Paused: not assessed
        registration(session, paused, "2026-11-01")
        session.get_one(Partner, paused).status = PartnerStatus.PAUSED
        session.commit()
    return ids


@pytest.fixture(params=["sqlite", "postgresql"])
def network(request: pytest.FixtureRequest) -> tuple[Engine, dict[str, int]]:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "postgres_engine")
    return engine, build_network(engine)


def facts_of(engine: Engine) -> dict[str, dict[str, object]]:
    with Session(engine) as session:
        return {
            partner.name: partner.facts
            for partner in health_facts(session, Window(AS_OF, policy().document.windows))
        }


def test_each_fact_is_counted_by_the_database(network: tuple[Engine, dict[str, int]]) -> None:
    engine, _ = network
    facts = facts_of(engine)

    assert sorted(facts) == ["Fading", "Lapsing", "Newcomer", "Steady", "Waiting"]  # not the paused one
    steady, fading, waiting, lapsing = (facts[name] for name in ("Steady", "Fading", "Waiting", "Lapsing"))
    assert (steady["commission_this_year"], steady["commission_last_year"]) == (5000.0, 4000.0)
    assert (steady["deals_won"], steady["deals_lost"], steady["win_rate"]) == (1, 1, 0.5)
    assert (steady["registrations_recent"], steady["submissions"]) == (2, 7)
    assert (fading["commission_this_year"], fading["commission_last_year"]) == (2000.0, 8000.0)
    assert fading["registrations_recent"] == 0
    assert fading["registrations_usual"] == pytest.approx(9 * 90 / 365)
    assert (waiting["submissions"], waiting["refused"], waiting["refused_share"]) == (4, 2, 0.5)
    assert (waiting["reviews"], waiting["slow_reviews"], waiting["info_requests"]) == (3, 2, 1)
    assert waiting["review_wait_days"] == pytest.approx(
        (10 + 1 + 10 + 2 / 24) / 3
    )  # the open one: until as_of
    assert waiting["policy_versions"] == 2
    assert (lapsing["certifications_expiring"], lapsing["courses_this_year"]) == (1, 1)
    assert (lapsing["leads"], lapsing["lead_open_rate"]) == (10, 0.5)
    assert facts["Newcomer"]["months_in_programme"] == 1


def test_each_partner_gets_a_level_and_the_drivers_behind_it(network: tuple[Engine, dict[str, int]]) -> None:
    engine, _ = network
    with Session(engine) as session:
        assessed = {health.name: health for health in assess_partners(session, policy(), AS_OF)}

    fading = assessed["Fading"]
    assert (fading.level, fading.rule_id) == ("at-risk", "heavy-signs")
    assert [(driver.id, driver.cause, driver.action) for driver in fading.drivers] == [
        ("commission-halved", "return-on-investment", "coaching-call"),
        ("no-training-this-year", "training", "training-invitation"),
        ("activity-collapsed", "business-change", "coaching-call"),
    ]
    assert "2000" in fading.drivers[0].reason_in("fr") and "8000" in fading.drivers[0].reason_in("en")
    waiting = assessed["Waiting"]
    assert [driver.id for driver in waiting.drivers] == [
        "reviews-waited",
        "submissions-refused",
        "no-training-this-year",
    ]
    assert waiting.level == "at-risk"
    assert [driver.id for driver in assessed["Lapsing"].drivers] == [
        "certification-lapsing",
        "leads-left-unopened",
    ]
    assert assessed["Lapsing"].level == "watch"
    assert [driver.id for driver in assessed["Steady"].drivers] == ["no-training-this-year"]
    assert assessed["Steady"].level == "healthy"
    newcomer = assessed["Newcomer"]  # judged on its training only in its first months
    assert [(driver.id, driver.cause) for driver in newcomer.drivers] == [("not-certified", "training")]


def test_the_command_lists_levels_and_explains_one_partner(engine: Engine) -> None:
    ids = build_network(engine)  # the settings' database, which the command opens
    listed = CliRunner().invoke(app, ["health", "--json"])
    assert listed.exit_code == 0, listed.output
    levels = {row["name"]: row["level"] for row in json.loads(listed.output)}
    assert levels["Fading"] == "at-risk" and levels["Steady"] == "healthy"

    one = CliRunner().invoke(app, ["health", "--partner", str(ids["Fading"])])
    assert one.exit_code == 0, one.output
    assert "commission-halved" in one.output and "coaching-call" in one.output

    missing = CliRunner().invoke(app, ["health", "--partner", "999999"])
    assert missing.exit_code == 1 and "no active partner 999999" in missing.output
