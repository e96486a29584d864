"""Pure: the period a person asks about ("24h", "7d", "30d", "since 2025-03-01") → [start, end).

Hours are a rolling window ending now. Days are calendar days in the reader's time zone, today
included, so "7d" is this day and the six before it and a trend chart of "30d" has 30 bars.
A date is read in that time zone too, from its midnight until now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 366
MAX_HOURS = 24 * 31
_SPAN = re.compile(r"^(\d{1,4})\s*([hd])$")
_SINCE = re.compile(r"^(?:since\s+)?(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime
    end: datetime
    label: str
    tz_name: str = "UTC"

    def days(self) -> list[date]:
        """Every calendar day the period touches, in its time zone, oldest first."""
        tz = ZoneInfo(self.tz_name)
        first = self.start.astimezone(tz).date()
        last = (self.end - timedelta(microseconds=1)).astimezone(tz).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def day_of(self, at: datetime) -> date:
        return at.astimezone(ZoneInfo(self.tz_name)).date()


@dataclass(frozen=True, slots=True)
class PeriodError:
    """Why a period could not be read (a value, not an exception: it is the person's typo)."""

    text: str


def parse_period(
    text: str, now: datetime, *, tz_name: str = "UTC", default: str = "7d"
) -> Period | PeriodError:
    spec = " ".join(text.strip().lower().split()) or default
    tz = ZoneInfo(tz_name)
    end = now.astimezone(UTC)
    span = _SPAN.match(spec)
    if span:
        n, unit = int(span.group(1)), span.group(2)
        if n < 1 or (unit == "h" and n > MAX_HOURS) or (unit == "d" and n > MAX_DAYS):
            return PeriodError(text)
        if unit == "h":
            return Period(end - timedelta(hours=n), end, f"{n}h", tz_name)
        today = end.astimezone(tz).date()
        first = datetime.combine(today - timedelta(days=n - 1), time(0), tz)
        return Period(first.astimezone(UTC), end, f"{n}d", tz_name)
    since = _SINCE.match(spec)
    if since:
        try:
            day = date.fromisoformat(since.group(1))
        except ValueError:
            return PeriodError(text)
        start = datetime.combine(day, time(0), tz).astimezone(UTC)
        if start >= end or (end - start).days > MAX_DAYS:
            return PeriodError(text)
        return Period(start, end, f"since {day.isoformat()}", tz_name)
    return PeriodError(text)
