"""Deadlines in working hours: "48 working hours" counts only the hours of working days (Monday
to Friday, public holidays of the programme's country off) in its time zone, so a lead offered on
a Friday afternoon is due on Tuesday afternoon, and one offered before Whit Monday a day later."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

SATURDAY = 5


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=8)
def _public_holidays(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


@lru_cache(maxsize=4096)
def is_working_day(day: date, country: str) -> bool:
    return day.weekday() < SATURDAY and day not in _public_holidays(country)


def add_working_hours(start: datetime, hours: float, *, timezone: str, country: str) -> datetime:
    """The instant ``hours`` working hours after ``start`` (aware), in UTC. Time that starts on
    a day off begins counting at the next working day's midnight."""
    zone = _zone(timezone)
    local = start.astimezone(zone)
    if hours % 24 == 0 and (day := _whole_days_after(local.date(), int(hours // 24), country)):
        # Whole working days from a working day: the same time of day on the N-th working day
        # after (clocks change on Sundays here), found once per day instead of walked per lead.
        return local.replace(year=day.year, month=day.month, day=day.day).astimezone(UTC)
    left = timedelta(hours=hours)
    while True:
        next_midnight = datetime.combine(local.date() + timedelta(days=1), time(), zone)
        if is_working_day(local.date(), country):
            today = next_midnight.astimezone(UTC) - local.astimezone(UTC)  # real hours, DST days too
            if left <= today:
                return local.astimezone(UTC) + left
            left -= today
        local = next_midnight


@lru_cache(maxsize=4096)
def _whole_days_after(day: date, count: int, country: str) -> date | None:
    """The ``count``-th working day after ``day``, or None when ``day`` is not a working day."""
    if not is_working_day(day, country):
        return None
    while count:
        day += timedelta(days=1)
        count -= is_working_day(day, country)
    return day
