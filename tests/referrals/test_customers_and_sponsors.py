"""The referral programme's first part: customers imported (history, satisfaction) and counted
from won deals under the same company key as registrations, and who may sponsor by the policy."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import Customer, Registration, RegistrationStatus
from partnerflow.policy import Policy, ReferralProgrammePolicy, load_policy
from partnerflow.referrals import count_won_deals, import_customers, judge_sponsors
from partnerflow.settings import PROJECT_ROOT
from tests.factories import WRITTEN_AT

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


def policy() -> Policy[ReferralProgrammePolicy]:
    loaded: Policy[ReferralProgrammePolicy] = load_policy(
        "referral_programme", NOW.date(), PROJECT_ROOT / "policies"
    )
    return loaded


def row(name: str, **values: object) -> dict[str, object]:
    return {"name": name, "email": f"achats@{name.split()[0].lower()}.example", **values}


LOYAL = row("Loyal SAS", siren="552100554", first_purchase_on="2023-02-01", last_purchase_on="2026-10-01",
            purchases="5", revenue="84000.50", satisfaction="9")  # fmt: skip


def imported(engine: Engine, rows: list[dict[str, object]]) -> object:
    with Session(engine) as session:
        report = import_customers(session, rows, now=NOW)
        session.commit()
        return report


def test_customers_are_imported_once_per_company_and_bad_rows_named(engine: Engine) -> None:
    first = imported(
        engine,
        [
            LOYAL,
            row(
                "Grumpy SARL",
                first_purchase_on="2022-01-01",
                last_purchase_on="2026-09-01",
                purchases="8",
                satisfaction="5",
            ),
            row("Bad Dates", first_purchase_on="2026-05-01", last_purchase_on="2026-01-01"),
            row("Future", last_purchase_on="2030-01-01"),
            row("Score", satisfaction="11"),
            {"siren": "552100554"},
        ],
    )
    again = imported(
        engine, [{**LOYAL, "name": "LOYAL S.A.S.", "purchases": "6"}]
    )  # same SIREN: same company

    assert (first.added, first.updated) == (2, 0)  # type: ignore[attr-defined]
    assert [number for number, _ in first.refused] == [3, 4, 5, 6]  # type: ignore[attr-defined]
    assert (again.added, again.updated) == (0, 1)  # type: ignore[attr-defined]
    with Session(engine) as session:
        loyal = session.exec(select(Customer).where(Customer.customer_key == "siren:552100554")).one()
    assert (loyal.name, loyal.purchases, loyal.revenue) == ("LOYAL S.A.S.", 6, Decimal("84000.50"))


def test_won_deals_add_customers_and_their_history_under_the_registration_key(engine: Engine) -> None:
    with Session(engine) as session:
        for closed, amount in ((date(2025, 3, 1), "10000"), (date(2026, 6, 1), "25000")):
            session.add(
                Registration(
                    submitted_at=WRITTEN_AT,
                    status=RegistrationStatus.WON,
                    customer_name="Nouveau Client SAS",
                    customer_email="achats@nouveau-client.example",
                    customer_key="domain:nouveau-client.example",
                    closed_on=closed,
                    closed_amount=Decimal(amount),
                    submission={},
                    facts={},
                    reason_texts={},
                )
            )
        session.commit()
        assert count_won_deals(session, now=NOW) == 1
        session.commit()
        assert count_won_deals(session, now=NOW) == 0, "counted once"
        customer = session.exec(select(Customer)).one()
    assert (customer.purchases, customer.revenue, customer.first_purchase_on, customer.last_purchase_on) == (
        2,
        Decimal("35000"),
        date(2025, 3, 1),
        date(2026, 6, 1),
    )


def test_sponsors_are_loyal_engaged_and_happy_customers(engine: Engine) -> None:
    imported(
        engine,
        [
            LOYAL,
            row(
                "Grumpy SARL",
                first_purchase_on="2022-01-01",
                last_purchase_on="2026-09-01",
                purchases="8",
                satisfaction="5",
            ),
            row("Newcomer SA", first_purchase_on="2026-08-01", last_purchase_on="2026-10-01", purchases="2"),
            row("Quiet SAS", first_purchase_on="2020-01-01", last_purchase_on="2024-01-01", purchases="9"),
        ],
    )
    with Session(engine) as session:
        decided = {d.name: (d.eligible, d.rule_id) for d in judge_sponsors(session, policy(), NOW.date())}
    assert decided == {
        "Loyal SAS": (True, "default"),
        "Grumpy SARL": (False, "unhappy"),
        "Newcomer SA": (False, "too-recent"),
        "Quiet SAS": (False, "gone-quiet"),
    }


def test_the_commands_import_customers_and_list_sponsors(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "customers.json"
    path.write_text(json.dumps([LOYAL, {"name": ""}]), encoding="utf-8")
    imported_now = CliRunner().invoke(app, ["customers", "import", str(path)])
    listed = CliRunner().invoke(app, ["referrals", "sponsors", "--json"])
    assert imported_now.exit_code == 0 and "1 customer(s) added" in imported_now.output
    assert f"{path}: row 2: name" in imported_now.output
    assert [d["name"] for d in json.loads(listed.output)] == ["Loyal SAS"]


@pytest.mark.parametrize("satisfaction", ["-1", "8.5", "dix"])
def test_an_odd_satisfaction_is_refused(engine: Engine, satisfaction: str) -> None:
    report = imported(engine, [{**LOYAL, "satisfaction": satisfaction}])
    assert report.refused and "satisfaction" in report.refused[0][1]  # type: ignore[attr-defined]


def test_an_iban_is_kept_compact_and_a_wrong_one_refused_with_its_row(engine: Engine) -> None:
    report = imported(
        engine,
        [
            {**LOYAL, "iban": "FR14 2004 1010 0505 0001 3M02 606", "bic": "ccbpfrppxxx"},
            row("Typo SAS", iban="FR15 2004 1010 0505 0001 3M02 606"),
        ],
    )
    assert report.refused == [(2, "iban: not a valid IBAN (check digits or format)")]  # type: ignore[attr-defined]
    with Session(engine) as session:
        loyal = session.exec(select(Customer)).one()
    assert (loyal.iban, loyal.bic) == ("FR1420041010050500013M02606", "CCBPFRPPXXX")
