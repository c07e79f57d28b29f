"""What partnerflow writes from partner-typed text is safe where it lands: spreadsheets, Markdown,
e-mail subjects, the terminal."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.commissions.payment_file import Transfer, transfers_csv
from partnerflow.markdown import md_text
from partnerflow.notify.rendering import one_line_subject
from partnerflow.settings import Settings


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil.example","pay")', "+33 1 00", "@SUM(A1:A9)", "-2+3"]
)
def test_payment_csv_cells_cannot_become_spreadsheet_formulas(name: str) -> None:
    transfer = Transfer(
        partner_id=7,
        partner_name=name,
        iban="FR1420041010050500013M02606",
        bic=None,
        amount=Decimal("12.50"),
        currency="EUR",
        reference="PF-2027-03-7",
        description="Commissions",
    )
    [row] = list(csv.DictReader(io.StringIO(transfers_csv([transfer], "MSG-1"))))
    assert row["partner_name"] == f"'{name}", "a leading quote: shown as text, never evaluated"
    assert row["amount"] == "12.50", "numbers stay numbers"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Acme\r\n# Title", "Acme \\# Title"),
        ("line\u2028break", "line break"),
        ("- not a list item", "\\- not a list item"),
        ("12. not a list either", "12\\. not a list either"),
        ("[click](http://evil)", "\\[click\\]\\(http://evil\\)"),
        ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert\\(1\\)\\>"),
        ("~~struck~~", "\\~\\~struck\\~\\~"),
    ],
)
def test_partner_text_is_neutralised_for_markdown(typed: str, shown: str) -> None:
    assert md_text(typed) == shown


def test_subjects_lose_control_characters_and_keep_french_no_break_spaces() -> None:
    assert one_line_subject("Registration #1 approved: Acme\r\nBcc: x@y\x00\x1b[31m") == (
        "Registration #1 approved: Acme Bcc: x@y [31m"
    )
    assert one_line_subject("Enregistrement n°\u00a042 approuvé\u00a0: Acme") == (
        "Enregistrement n°\u00a042 approuvé\u00a0: Acme"
    )


def test_init_never_prints_the_database_password(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from partnerflow.cli import setup_commands

    monkeypatch.setattr(setup_commands, "migrate", lambda url: None)
    monkeypatch.setenv("PARTNERFLOW_DATABASE_URL", "postgresql+psycopg://pf:s3cret-pass@db.internal/pf")
    from partnerflow.settings import get_settings

    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert "s3cret-pass" not in result.output and "pf:***@db.internal" in result.output


def test_payment_file_texts_are_in_the_sepa_character_set() -> None:
    from partnerflow.commissions.payment_file import epc_text

    assert epc_text("Société Générale & Fils <SAS>\n; DROP", 70) == "Societe Generale + Fils SAS DROP"
    assert epc_text("Ærø Ölçü 株式会社", 70) == "AEro Olcu Zhu Shi Hui She"
    assert len(epc_text("x" * 500, 140)) == 140


@pytest.mark.parametrize(
    ("iban", "bic", "problem"),
    [
        (
            "FR1420041010050500013M02606",
            "DEUTDEFFXXX",
            "BIC DEUTDEFFXXX is a DE bank's, the IBAN a FR account",
        ),
        ("FR1420041010050500013M02606", "NOTABIC", "BIC NOTABIC is not a valid BIC"),
        ("FR1420041010050500013M02606", "BNPAGPGPXXX", None),  # a Guadeloupe branch, French IBAN
        ("FR1420041010050500013M02606", "CCBPFRPPXXX", None),
        ("BR1800360305000010009795493C1", None, "IBAN of a BR account: outside the SEPA scheme"),
        ("TR330006100519786457841326", None, "IBAN of a TR account: outside the SEPA scheme"),
        # a New Caledonian bank (17499, BCI): FR IBAN, CFP francs, not SEPA; with or without its BIC
        ("FR7617499000101234567890102", None, "BIC BCADNCNN is a bank of NC, a French territory outside"),
        (
            "FR7617499000101234567890102",
            "BCADNCNN",
            "BIC BCADNCNN is a bank of NC, a French territory outside",
        ),
        ("FR7618719000101234567890162", None, None),  # a Réunion bank: French, in SEPA
        ("GB29NWBK60161331926819", None, None),  # the United Kingdom takes part in SEPA
        ("CH9300762011623852957", None, None),
    ],
)
def test_a_payable_account_is_in_sepa_and_its_bic_in_the_ibans_country(
    iban: str, bic: str | None, problem: str | None
) -> None:
    from partnerflow.commissions.payment_file import iban_problem

    found = iban_problem(iban, bic)
    assert found == problem if problem is None else found is not None and found.startswith(problem)


def test_the_payment_file_refuses_a_transfer_the_batch_should_have_held() -> None:
    from datetime import date
    from decimal import Decimal

    from partnerflow.commissions.payment_file import Payer, Transfer, sepa_credit_transfer
    from partnerflow.settings import DEMO_PAYER_IBAN

    payer = Payer("Vendor SAS", DEMO_PAYER_IBAN, "BNPAFRPPXXX")
    french_iban_german_bank = Transfer(
        7, "Azur", "FR1420041010050500013M02606", "DEUTDEFFXXX", Decimal("10.00"), "EUR", "PF-1", "x"
    )
    with pytest.raises(ValueError, match="transfer PF-1: BIC DEUTDEFFXXX is a DE bank's"):
        sepa_credit_transfer(payer, [french_iban_german_bank], date(2027, 4, 2))


def test_the_default_payer_bic_is_the_default_ibans_bank() -> None:
    from partnerflow.commissions.payment_file import iban_problem
    from partnerflow.settings import DEMO_PAYER_IBAN

    settings = Settings(secret_key="x" * 20)  # type: ignore[arg-type]
    assert iban_problem(DEMO_PAYER_IBAN, settings.payer_bic) is None
    assert DEMO_PAYER_IBAN[4:9] == "30004" and settings.payer_bic.startswith("BNPA")  # BNP Paribas
