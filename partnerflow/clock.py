"""The programme's one clock: instants in UTC, dates in Paris.

Every instant partnerflow stores is UTC. Every *date* it reasons with (the policy in force
today, a close date, a protection's last day, last month for the settlement) is the date in
Europe/Paris, the programme's calendar, whatever the server's own time zone: at 23:30 UTC on
31 March it is already 1 April in Paris, and the April policy is in force.

Product code asks a :class:`Clock` (``context().clock``) for ``now()`` and ``today()`` and turns a
stored instant into a programme date with :func:`programme_date`; ``date.today()`` and naive
``datetime.now()`` are refused by the linter (ruff DTZ). Tests inject a :class:`FixedClock`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PROGRAMME_TIMEZONE = ZoneInfo("Europe/Paris")


def programme_date(instant: datetime) -> date:
    """The date in Paris at ``instant`` (a naive instant is read as UTC, as the database stores it)."""
    aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
    return aware.astimezone(PROGRAMME_TIMEZONE).date()


class Clock:
    """The system clock: now in UTC, today in Paris."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return programme_date(self.now())


@dataclass(frozen=True)
class FixedClock(Clock):
    """A clock stopped at ``instant`` (tests, replays)."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant


SYSTEM_CLOCK = Clock()
"""The machine's own time: the default clock, and what e-mail delivery runs on even when the
programme's clock is set (leases, back-off, a message due at once)."""
