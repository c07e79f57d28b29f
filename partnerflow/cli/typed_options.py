"""Command options read with the programme's one reading of dates and amounts
(``partnerflow.values``): ``--date 20261224`` or ``--amount 1_0`` are refused in one line naming
the option, as the same text in a file or a form is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from partnerflow.cli.output import InputProblem
from partnerflow.values import amount_value, date_value


def option_date(text: str, option: str) -> date:
    """``text`` as a date (YYYY-MM-DD), or an :class:`InputProblem` naming ``option``."""
    day: date = _read(date_value, text, option)
    return day


def option_amount(text: str, option: str) -> Decimal:
    """``text`` as an amount (digits, a dot for decimals), or an :class:`InputProblem` naming ``option``."""
    value: Decimal = _read(amount_value, text, option)
    return value


def _read(reader: Callable[[Any], Any], text: str, option: str) -> Any:
    try:
        return reader(text)
    except ValueError as problem:
        raise InputProblem(f"{option}: {problem}") from None
