"""Settlement periods: calendar months written ``YYYY-MM``."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FIRST_YEAR = 2000  # the deployments' parameter schema starts there too (flows.parameters.MonthText)


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026-10`` → Period(2026, 10); anything else is refused with the expected form."""
        match = _PERIOD.match(text.strip())
        if match is None:
            raise ValueError(f"period {text!r} is not a month written YYYY-MM, e.g. 2026-10")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def before(cls, day: date) -> Period:
        """The month before ``day``: what the settlement of the 1st of a month pays."""
        return cls(day.year - 1, 12) if day.month == 1 else cls(day.year, day.month - 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def settlement_refusal(period: Period, today: date) -> str | None:
    """Why ``period`` cannot be settled on ``today`` (one line), or None.

    Only a month that has ended: its deals can no longer close in it and its lines are past their
    hold only as of today. Measured before (#27): settling 2099-12 paid a batch whose lines were
    still in their hold, with a SEPA file dated today.
    """
    if period.year < FIRST_YEAR:
        return f"period {period}: before {FIRST_YEAR}, the programme has nothing to settle"
    if period.last_day >= today:
        return (
            f"period {period} has not ended (its last day is {period.last_day.isoformat()}): "
            "a month is settled once it is over"
        )
    return None
