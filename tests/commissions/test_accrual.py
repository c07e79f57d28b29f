"""A won, registered deal accrues one commission line under the plan in force at its close date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.commissions.accrual import accrue_missing
from partnerflow.models import CommissionLine
from partnerflow.policy import PolicyLibrary
from partnerflow.registration.intake import IntakeResult
from partnerflow.settings import PROJECT_ROOT
from tests.commissions.ledger import NOW, accrue, plan_for, won
from tests.factories import write_policy


def test_a_won_deal_accrues_its_commission_with_the_plan_stamp(
    engine: Engine, network: dict[str, int], submit: Callable[..., IntakeResult]
) -> None:
    deal = won(engine, submit, network["first"], "100000", date(2027, 2, 1), "a")
    result = accrue(engine, deal)
    assert (result.outcome, result.amount) == ("accrued", Decimal("7000.00"))  # gold network 7 %
    with Session(engine) as session:
        line = session.exec(select(CommissionLine)).one()
    assert (line.plan_version, line.payable_from) == ("2027-01-01", date(2027, 4, 2))  # 60-day hold
    assert line.explanation[-1] == "commission 7000.00 (rounded to the cent, half up)"


def test_a_deal_is_never_accrued_twice(
    engine: Engine, network: dict[str, int], submit: Callable[..., IntakeResult]
) -> None:
    deal = won(engine, submit, network["first"], "100000", date(2027, 2, 1), "a")
    accrue(engine, deal)
    assert accrue(engine, deal).outcome == "already-accrued"
    with Session(engine) as session:
        assert len(session.exec(select(CommissionLine)).all()) == 1


def test_earlier_deals_of_the_year_push_later_ones_into_higher_brackets(
    engine: Engine, network: dict[str, int], submit: Callable[..., IntakeResult]
) -> None:
    first = won(engine, submit, network["first"], "200000", date(2027, 1, 10), "a")
    second = won(engine, submit, network["first"], "100000", date(2027, 2, 10), "b")
    accrue(engine, second)
    accrue(engine, first)
    # second: 50,000 at 7 % + 50,000 at 8.75 % = 3,500 + 4,375
    with Session(engine) as session:
        line = session.exec(select(CommissionLine).where(CommissionLine.registration_id == second)).one()
    assert line.amount == Decimal("7875.00")


def test_last_years_revenue_does_not_count(
    engine: Engine, network: dict[str, int], submit: Callable[..., IntakeResult]
) -> None:
    won(engine, submit, network["first"], "900000", date(2026, 12, 20), "a")
    later = won(engine, submit, network["first"], "100000", date(2027, 1, 5), "b")
    assert accrue(engine, later).amount == Decimal("7000.00")


def test_a_deal_closing_in_2026_is_paid_under_the_2026_plan(
    engine: Engine, network: dict[str, int], submit: Callable[..., IntakeResult]
) -> None:
    deal = won(engine, submit, network["first"], "100000", date(2026, 12, 20), "a")
    accrue(engine, deal)
    with Session(engine) as session:
        assert session.exec(select(CommissionLine)).one().plan_version == "2026-01-01"


def test_a_last_minute_registration_is_excluded_by_the_plan(
    engine: Engine, network: dict[str, int], submit: Callable[..., IntakeResult]
) -> None:
    deal = won(engine, submit, network["first"], "100000", date(2026, 11, 25), "a")  # submitted 2026-11-23
    result = accrue(engine, deal)
    assert (result.outcome, result.rule_id) == ("excluded", "registered-too-late")


def test_the_catch_up_accrues_every_missed_deal_once(
    engine: Engine, network: dict[str, int], submit: Callable[..., IntakeResult]
) -> None:
    for customer in ("a", "b", "c"):
        won(engine, submit, network["first"], "10000", date(2027, 1, 20), customer)
    with Session(engine) as session:
        first = accrue_missing(session, plan_for=plan_for, now=NOW)
        second = accrue_missing(session, plan_for=plan_for, now=NOW)
    assert [r.outcome for r in first] == ["accrued"] * 3 and second == []


def test_a_plan_version_starting_mid_year_prices_deals_closed_from_that_day(
    engine: Engine, network: dict[str, int], submit: Callable[..., IntakeResult], tmp_path: Path
) -> None:
    shipped = PROJECT_ROOT / "policies" / "commission_plan"
    for version in shipped.glob("*.yaml"):
        write_policy(tmp_path, version.read_text("utf-8"), "commission_plan", version.stem)
    july = (shipped / "2027-01-01.yaml").read_text("utf-8")
    july = july.replace('version: "2027-01-01"', 'version: "2027-07-01"').replace(
        "effective_from: 2027-01-01", "effective_from: 2027-07-01"
    )
    write_policy(
        tmp_path,
        july.replace("gold: {default: 0.07", "gold: {default: 0.08"),
        "commission_plan",
        "2027-07-01",
    )
    library = PolicyLibrary.load(tmp_path)
    june = won(engine, submit, network["first"], "10000", date(2027, 6, 30), "a")
    august = won(engine, submit, network["first"], "10000", date(2027, 8, 1), "b")
    with Session(engine) as session:
        results = accrue_missing(
            session, plan_for=lambda day: library.in_force("commission_plan", day), now=NOW
        )
        session.commit()
        lines = {line.registration_id: line for line in session.exec(select(CommissionLine))}
    assert [r.outcome for r in results] == ["accrued", "accrued"]
    assert (lines[june].amount, lines[june].plan_version) == (Decimal("700.00"), "2027-01-01")
    assert (lines[august].amount, lines[august].plan_version) == (Decimal("800.00"), "2027-07-01")
