"""Numbers, ids and dates as people type them: read one way, or refused with the way to write them.

Python and pydantic are generous readers: ``Decimal("1_0")`` is 10, full-width ``"１０"`` and
Arabic-Indic ``"٣"`` are numbers, ``"1e3"`` is a thousand, a Unix timestamp is a date and so is
``"20261224"``, and a float ``10.0`` is an id. Each of those was accepted as something its writer
may not have meant (#27). Every entry point (files, command options, the deployments' forms, the
web) reads amounts, ids, counts and dates through the :data:`Amount`, :data:`WholeNumber` and
:data:`IsoDate` types, which accept one documented, locale-free form:

- an amount: ASCII digits, optionally a dot and decimals (``1000``, ``1000.50``); no group
  separator (``1,000`` and ``1 000`` are ambiguous between locales: refused with a line saying so),
  no exponent; a JSON number is read as written;
- an id or a count: ASCII digits, or a JSON integer;
- a date: ``YYYY-MM-DD``, or a date object.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator

_AMOUNT = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?", re.ASCII)  # a sign is read: "-5" is refused as not above 0
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
AMOUNT_FORM = "digits with a dot for decimals, e.g. 1000 or 1000.50"


def amount_value(value: Any) -> Any:
    """``value`` as a Decimal when it is written as :data:`Amount` says; else ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"an amount is a number ({AMOUNT_FORM})")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # a JSON number, read as its text: 0.1 is 0.1
    if not isinstance(value, str):
        return value  # pydantic's own message for a list, an object...
    text = value.strip()
    if _AMOUNT.fullmatch(text):
        return Decimal(text)
    if any(separator in text for separator in (",", " ", "\u00a0", "\u202f", "_", "'")):
        raise ValueError(
            f"{text!r} has a group or decimal separator other than one dot: write {AMOUNT_FORM} "
            "(1,000 means a thousand in one country and one in another)"
        )
    raise ValueError(f"{text!r} is not an amount written as {AMOUNT_FORM}")


def whole_number(value: Any) -> Any:
    """``value`` as an int when it is ASCII digits or a JSON integer; else ValueError."""
    if isinstance(value, bool | float):
        raise ValueError("a whole number written with digits only, e.g. 42")
    if isinstance(value, str):
        text = value.strip()
        if not _DIGITS.fullmatch(text):
            raise ValueError(f"{text[:40]!r} is not a whole number written with digits only, e.g. 42")
        return int(text)
    return value


def date_value(value: Any) -> Any:
    """``value`` as a date when it is ``YYYY-MM-DD`` or a date; else ValueError."""
    if isinstance(value, datetime):
        raise ValueError("a date is written YYYY-MM-DD, without a time")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value.strip()!r} is not a day of the calendar") from None
    raise ValueError(f"{str(value)[:40]!r} is not a date written YYYY-MM-DD")


Amount = Annotated[Decimal, BeforeValidator(amount_value)]
WholeNumber = Annotated[int, BeforeValidator(whole_number)]
IsoDate = Annotated[date, BeforeValidator(date_value)]
