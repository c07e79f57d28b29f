"""Amounts, whole numbers and dates are read one way (``partnerflow.values``): properties over
every input hypothesis can make, not only the cases someone thought of."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partnerflow.values import amount_value, date_value, whole_number

AMOUNTS = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False)
SEPARATORS = st.sampled_from([",", " ", "\u00a0", "\u202f", "_", "'"])
NON_ASCII_DIGITS = st.characters(categories=["Nd"]).filter(lambda char: not "0" <= char <= "9")


@given(AMOUNTS)
def test_an_amount_written_plainly_reads_back_as_itself(amount: Decimal) -> None:
    assert amount_value(f"{amount:f}") == amount
    assert amount_value(amount) == amount  # a Decimal given as such is kept


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999), SEPARATORS)
def test_a_grouped_amount_is_refused_never_guessed(thousands: int, units: int, separator: str) -> None:
    written = f"{thousands}{separator}{units:03d}"
    with pytest.raises(ValueError, match="group or decimal separator"):
        amount_value(written)


@given(st.text(alphabet=st.one_of(NON_ASCII_DIGITS, st.sampled_from("0123456789")), min_size=1, max_size=8))
def test_digits_of_other_scripts_are_never_read_as_numbers(text: str) -> None:
    if text.isascii():
        assert amount_value(text) == Decimal(text) and whole_number(text) == int(text)
        return
    with pytest.raises(ValueError):
        amount_value(text)
    with pytest.raises(ValueError):
        whole_number(text)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=0, max_value=1e12))
def test_a_json_number_is_read_as_written(value: float) -> None:
    assert amount_value(value) == Decimal(repr(value))


@given(st.integers(min_value=0, max_value=10**12))
def test_a_whole_number_is_its_digits(number: int) -> None:
    assert whole_number(str(number)) == number == whole_number(number)
    with pytest.raises(ValueError):
        whole_number(float(number))


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_a_date_is_read_only_from_its_iso_form(day: date) -> None:
    assert date_value(day.isoformat()) == day == date_value(day)
    with pytest.raises(ValueError):
        date_value(day.strftime("%Y%m%d"))
    with pytest.raises(ValueError):
        date_value(f"{day.isoformat()}T00:00:00")
