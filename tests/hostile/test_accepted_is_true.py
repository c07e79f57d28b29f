"""Accepted means true: an input is refused with its reason, or stored exactly as meant (#27).

``test_cli_corpus`` proves the error boundary (no traceback, no half-write); this corpus counts
*wrong acceptances*: inputs that went in and were stored or acted on as something else than what
they meant (a USD amount booked as EUR, a month not over settled, a year without leads judged).
Each case names the reason its refusal must give; a case accepted, or refused for another
reason, fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import Customer, Registration
from tests.factories import submission

runner = CliRunner()


@dataclass(frozen=True)
class Row:
    """A deal row submitted through ``deals submit``: it must be stored refused, with ``reason``."""

    change: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class Command:
    """A command line (``{dir}`` is the test's folder, where ``files`` are written first): it must
    exit 1 or 2 with ``reason`` in its output."""

    args: tuple[str, ...]
    reason: str
    files: dict[str, str] = field(default_factory=dict)


GROUPING = "has a group or decimal separator other than one dot"
NOT_AN_AMOUNT = "is not an amount written as digits with a dot for decimals"
GOOD_CSV_ROW = "1,Acme,69,network,12000,2027-01-15\n"


ROWS: dict[str, Row] = {
    "a deal in USD": Row({"currency": "USD"}, "the programme is priced in EUR: USD is not accepted"),
    "a product line twice": Row({"product_lines": ["network", "network"]}, "listed more than once: network"),
    "a name of punctuation only": Row(
        {"customer_name": "!!! ---"}, "has no letter or digit: it names no company"
    ),
    "a name of zero-width characters": Row(
        {"customer_name": "\u200b\u200c\u200d"}, "has no letter or digit: it names no company"
    ),
    "a right-to-left override in the name": Row(
        {"customer_name": "Acme \u202eSAS"}, "contains a control character"
    ),
    "a bidi isolate in the name": Row(
        {"customer_name": "Acme \u2067SAS\u2069"}, "contains a control character"
    ),
    "amount 1,000": Row({"amount": "1,000"}, GROUPING),
    "amount 1 000": Row({"amount": "1 000"}, GROUPING),
    "amount 1_000": Row({"amount": "1_000"}, GROUPING),
    "amount 1e3": Row({"amount": "1e3"}, NOT_AN_AMOUNT),
    "amount in full-width digits": Row({"amount": "１０００"}, NOT_AN_AMOUNT),
    "amount in Arabic-Indic digits": Row({"amount": "١٠٠٠"}, NOT_AN_AMOUNT),
    "amount -0": Row({"amount": "-0"}, "amount must be greater than 0"),
    "amount true": Row({"amount": True}, "an amount is a number"),
    "partner id 1_0": Row({"partner_id": "1_0"}, "is not a whole number written with digits only"),
    "partner id 1.0": Row({"partner_id": 1.0}, "a whole number written with digits only"),
    "close date as a Unix time": Row({"expected_close_on": 1798761600}, "is not a date written YYYY-MM-DD"),
    "close date 20270115": Row({"expected_close_on": "20270115"}, "is not a date written YYYY-MM-DD"),
    "close date with a time": Row(
        {"expected_close_on": "2027-01-15T00:00:00"}, "is not a date written YYYY-MM-DD"
    ),
}
COMMANDS: dict[str, Command] = {
    **{
        f"settle {period}": Command(
            ("commissions", "settle", "--period", period), f"period {period} has not ended"
        )
        for period in ("2026-11", "2099-12", "9999-12")
    },
    **{
        f"settle {period}": Command(("commissions", "settle", "--period", period), "before 2000")
        for period in ("1900-01", "0000-01")
    },
    "a JSON key given twice": Command(
        ("deals", "submit", "{dir}/rows.json"),
        "'amount' is given twice in one object",
        {"rows.json": '[{"partner_id": 1, "amount": 1, "amount": 1000000}]'},
    ),
    "a CSV column given twice": Command(
        ("deals", "submit", "{dir}/rows.csv"),
        "column 'amount' appears twice in the header",
        {
            "rows.csv": "partner_id,customer_name,customer_departement,product_lines,amount,amount\n"
            + GOOD_CSV_ROW
        },
    ),
    "a lead file column given twice": Command(
        ("leads", "import", "{dir}/leads.csv"),
        "column 'reseller_id' appears twice in the header",
        {"leads.csv": "event_id,lead_id,departement,reseller_id,reseller_id,event,received_at,occurred_at\n"},
    ),
    "close lost with an amount": Command(
        ("deals", "close", "1", "--lost", "--amount", "5000"), "a lost deal has no final amount"
    ),
    "close won for 1_0": Command(("deals", "close", "1", "--won", "--amount", "1_0"), GROUPING),
    "close on 20270115": Command(
        ("deals", "close", "1", "--won", "--amount", "10", "--date", "20270115"),
        "is not a date written YYYY-MM-DD",
    ),
    "policy list as of 20270115": Command(("policy", "list", "--as-of", "20270115"), "is not a date written"),
    "rebalance 2099": Command(("rebalance", "--year", "2099"), "has not begun"),
    "rebalance the year not over": Command(("rebalance", "--year", "2026"), "is not over"),
    "rebalance a year without leads": Command(
        ("rebalance", "--year", "2025"), "no reseller received a lead in 2025"
    ),
}


@pytest.mark.parametrize("name", list(ROWS))
def test_a_row_is_refused_with_its_reason(
    name: str, engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    case = ROWS[name]
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps([{**submission(network["first"]), **case.change}]), encoding="utf-8")

    result = runner.invoke(app, ["deals", "submit", str(rows), "--no-start-reviews"])

    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        stored = session.exec(select(Registration).order_by(col(Registration.id).desc())).first()
    assert stored is not None and stored.outcome == "refused", f"{name}: accepted as {stored}"
    assert any(case.reason in problem for problem in stored.problems), f"{name}: {stored.problems}"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_command_is_refused_with_its_reason(name: str, engine: Engine, tmp_path: Path) -> None:
    case = COMMANDS[name]
    for file_name, content in case.files.items():
        (tmp_path / file_name).write_text(content, encoding="utf-8")

    result = runner.invoke(app, [arg.replace("{dir}", str(tmp_path)) for arg in case.args])

    assert result.exit_code in (1, 2), f"{name}: accepted: {result.output}"
    assert case.reason in " ".join(result.output.split()), f"{name}: {result.output}"


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_a_siren_in_full_width_digits_is_stored_as_the_same_siren(
    engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    """Full-width digits were dropped from the customer key: every such SIREN was one customer."""
    rows = tmp_path / "rows.json"
    typed = {"customer_siren": "552100554".translate(FULL_WIDTH), "customer_email": None}
    rows.write_text(json.dumps([{**submission(network["first"]), **typed}]), encoding="utf-8")

    assert runner.invoke(app, ["deals", "submit", str(rows), "--no-start-reviews"]).exit_code == 0

    with Session(engine) as session:
        stored = session.exec(select(Registration)).one()
    assert (stored.customer_siren, stored.customer_key) == ("552100554", "siren:552100554")


def test_a_siren_in_another_scripts_digits_is_refused(
    engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    arabic_indic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    rows = tmp_path / "rows.json"
    typed = {"customer_siren": "552100554".translate(arabic_indic)}
    rows.write_text(json.dumps([{**submission(network["first"]), **typed}]), encoding="utf-8")

    assert runner.invoke(app, ["deals", "submit", str(rows), "--no-start-reviews"]).exit_code == 0

    with Session(engine) as session:
        stored = session.exec(select(Registration)).one()
    assert stored.outcome == "refused" and any("is not a valid SIREN" in p for p in stored.problems)


def test_a_name_in_another_script_is_accepted_as_typed(
    engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    """Letters of every script name a company, and its key keeps them (it was ``name:``)."""
    rows = tmp_path / "rows.json"
    rows.write_text(
        json.dumps([{**submission(network["first"], **FREE_MAIL), "customer_name": "株式会社トヨタ"}]),
        encoding="utf-8",
    )

    assert runner.invoke(app, ["deals", "submit", str(rows), "--no-start-reviews"]).exit_code == 0

    with Session(engine) as session:
        stored = session.exec(select(Registration)).one()
    assert stored.customer_name == "株式会社トヨタ"
    assert stored.customer_key.startswith("name:株式会社")  # ト, ヨ, タ as their look-alike skeletons
    assert stored.outcome != "refused"


# A free-mail contact names no company: the key is the names (as for most small customers).
FREE_MAIL = {"customer_email": "achats@gmail.com"}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("Газпром", "Лукойл", id="two-cyrillic-names"),
        pytest.param("株式会社トヨタ", "本田技研工業株式会社", id="two-japanese-names"),
        pytest.param("🚀 Rocket", "🛸 Saucer", id="emoji-and-latin"),
    ],
)
def test_two_companies_named_in_another_script_are_no_conflict(
    network: dict[str, int], submit: Any, first: str, second: str
) -> None:
    """Measured before: both folded to ``name:``, so the second was rejected as the first's customer."""
    submit(submission(network["first"], customer_name=first, **FREE_MAIL))
    result = submit(submission(network["second"], customer_name=second, **FREE_MAIL))
    assert result.outcome == "approve", result


@pytest.mark.parametrize(
    "disguised",
    [
        pytest.param("АСМЕ Industrie SAS", id="cyrillic-capitals"),
        pytest.param("Αcme Ιndustrie SAS", id="greek-capitals"),
        pytest.param("Acme Indus\u200btrie SAS", id="zero-width-space"),
        pytest.param("Ａｃｍｅ Ｉｎｄｕｓｔｒｉｅ", id="full-width"),
        pytest.param("Acme Industrie S.\u00adA.S.", id="soft-hyphen"),
    ],
)
def test_a_look_alike_spelling_of_a_protected_customer_is_a_conflict(
    network: dict[str, int], submit: Any, disguised: str
) -> None:
    """Measured before: a look-alike letter from another script let a second partner register it.
    (Bidirectional overrides are refused before: "contains a control character".)"""
    submit(submission(network["first"], **FREE_MAIL))
    result = submit(submission(network["second"], customer_name=disguised, **FREE_MAIL))
    assert (result.outcome, result.rule_id) == ("reject", "conflict-protected")


@pytest.mark.parametrize(
    ("registered", "ligature"),
    [("Oeuvre Conseil", "Œuvre Conseil"), ("Aether Labs", "Æther Labs"), ("Strasse Bau", "Straße Bau")],
)
def test_a_ligature_is_the_letters_it_joins(
    network: dict[str, int], submit: Any, registered: str, ligature: str
) -> None:
    submit(submission(network["first"], customer_name=registered, **FREE_MAIL))
    result = submit(submission(network["second"], customer_name=ligature, **FREE_MAIL))
    assert (result.outcome, result.rule_id) == ("reject", "conflict-protected")


def test_two_companies_with_full_width_sirens_stay_two_customers(engine: Engine, tmp_path: Path) -> None:
    """``customers import`` merged them into one row (both keys were ``siren:``)."""
    path = tmp_path / "customers.csv"
    path.write_text(
        "name,siren\nAlpha SAS,{}\nBeta SAS,{}\n".format(
            "552100554".translate(FULL_WIDTH), "732829320".translate(FULL_WIDTH)
        ),
        encoding="utf-8",
    )

    result = runner.invoke(app, ["customers", "import", str(path)])

    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        keys = sorted(session.exec(select(Customer.customer_key)).all())
    assert keys == ["siren:552100554", "siren:732829320"]


def test_a_close_far_above_the_registration_is_not_booked_unreviewed(
    network: dict[str, int], submit: Any, engine: Engine
) -> None:
    """A close 1,000 times the registered amount was booked as won and paid commission on."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    registration_id = submit(submission(network["first"])).registration_id
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):  # no server: still held
        result = runner.invoke(app, ["deals", "close", str(registration_id), "--won", "--amount", "12000000"])

    assert "close-review" in result.output and "Traceback" not in result.output
    with Session(engine) as session:
        stored = session.get_one(Registration, registration_id)
    assert stored.status.value == "close-review"
