"""Settlement periods: calendar months written ``YYYY-MM``."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


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
