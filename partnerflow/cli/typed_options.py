"""Command options read with the programme's one reading of dates and amounts
(``partnerflow.values``): ``--date 20261224`` or ``--amount 1_0`` are refused in one line naming
the option, as the same text in a file or a form is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from partnerflow.cli.output import InputProblem
from partnerflow.values import amount_value, date_value


def option_date(text: str, option: str) -> date:
    """``text`` as a date (YYYY-MM-DD), or an :class:`InputProblem` naming ``option``."""
    try:
        day: date = date_value(text)
    except ValueError as problem:
        raise InputProblem(f"{option}: {problem}") from None
    return day


def option_amount(text: str, option: str) -> Decimal:
    """``text`` as an amount (digits, a dot for decimals), or an :class:`InputProblem` naming ``option``."""
    try:
        value: Decimal = amount_value(text)
    except ValueError as problem:
        raise InputProblem(f"{option}: {problem}") from None
    return value
