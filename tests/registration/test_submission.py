"""A submission is refused with every reason a partner needs to fix it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from partnerflow.registration.submission import DealSubmission, Refusal, check_submission, parse_submission

VALID = {
    "partner_id": 1,
    "customer_name": "Acme",
    "customer_email": "buyer@acme.fr",
    "customer_departement": "69",
    "product_lines": ["network"],
    "amount": "12500",
    "expected_close_on": "2027-01-31",
}
TODAY = date(2026, 11, 23)


def problems(raw: dict[str, object]) -> tuple[str, ...]:
    parsed = parse_submission(raw)
    assert isinstance(parsed, Refusal)
    return parsed.problems


def test_a_complete_submission_parses() -> None:
    parsed = parse_submission(VALID)
    assert isinstance(parsed, DealSubmission) and parsed.amount == Decimal("12500")


def test_csv_style_values_are_understood() -> None:
    parsed = parse_submission({**VALID, "amount": "12500.50", "product_lines": "network; wifi", "notes": ""})
    assert isinstance(parsed, DealSubmission)
    assert (parsed.amount, parsed.product_lines) == (Decimal("12500.50"), ["network", "wifi"])


def test_an_amount_with_a_group_or_decimal_comma_is_refused_not_guessed() -> None:
    """'1,000' is a thousand in one locale and one in another: it was stored as 1.00 €."""
    for written in ("12 500,50", "1,000", "1.000,00"):
        [problem] = problems({**VALID, "amount": written})
        assert "has a group or decimal separator other than one dot" in problem, written


def test_every_missing_field_is_named() -> None:
    assert set(problems({"partner_id": 1})) >= {
        "customer_name is required",
        "amount is required",
        "product_lines is required",
        "expected_close_on is required",
    }


def test_amount_must_be_a_positive_number() -> None:
    assert problems({**VALID, "amount": "0"}) == ("amount must be greater than 0",)
    assert problems({**VALID, "amount": "lots"}) == (
        "amount 'lots' is not an amount written as digits with a dot for decimals, e.g. 1000 or 1000.50",
    )


def test_product_lines_come_from_the_catalogue() -> None:
    assert problems({**VALID, "product_lines": ["network", "netwrok"]}) == (
        "product_lines not in the catalogue: netwrok "
        "(product lines: network, wifi, security, switching, storage, software, services)",
    )


def test_oversize_text_is_refused() -> None:
    assert problems({**VALID, "notes": "x" * 2001}) == ("notes is too long (at most 2000 characters)",)


def test_a_close_date_in_the_past_is_refused() -> None:
    parsed = parse_submission({**VALID, "expected_close_on": "2026-01-01"})
    assert isinstance(parsed, DealSubmission)
    assert check_submission(parsed, today=TODAY, partner_known=True) == [
        "expected_close_on 2026-01-01 is in the past"
    ]


def test_siren_must_have_a_valid_luhn_key() -> None:
    parsed = parse_submission({**VALID, "customer_siren": "552100555"})
    assert isinstance(parsed, DealSubmission)
    assert "not a valid SIREN" in check_submission(parsed, today=TODAY, partner_known=True)[0]


def test_an_unknown_partner_is_refused() -> None:
    parsed = parse_submission(VALID)
    assert isinstance(parsed, DealSubmission)
    assert check_submission(parsed, today=TODAY, partner_known=False) == [
        "partner_id 1 is not a partner of the programme"
    ]


def test_the_customer_must_be_identifiable() -> None:
    raw = {key: value for key, value in VALID.items() if key != "customer_email"}
    parsed = parse_submission(raw)
    assert isinstance(parsed, DealSubmission)
    assert check_submission(parsed, today=TODAY, partner_known=True) == [
        "give the customer's SIREN, web domain or a contact e-mail"
    ]
