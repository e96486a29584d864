"""Pure: the period a person asks about ("24h", "7d", "30d", "since 2025-03-01") → [start, end).

Hours are a rolling window ending now. Days are calendar days in the reader's time zone, today
included, so "7d" is this day and the six before it and a trend chart of "30d" has 30 bars.
A date is read in that time zone too, from its midnight until now.

A summary takes any period back to the first stored item; a caller that cannot show a long one
(the trend chart, a bar a day) passes its own ``max_days`` and the error says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

# Five digits: 99,999 days reach back past any stored date and stay within datetime's range.
_SPAN = re.compile(r"^(\d{1,5})\s*([hd])$")
# "since 2025-01-01" (the bots' form), "2025-01-01" (``--since 2025-01-01``); "since=" too.
_SINCE = re.compile(r"^(?:since[\s=]+)?(\d{4}-\d{2}-\d{2})$")


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
    reason: Literal["form", "future", "too_long"] = "form"
    """``form``: not a period at all; ``future``: a date after today; ``too_long``: longer
    than the caller's ``max_days``."""
    max_days: int | None = None


def parse_period(
    text: str,
    now: datetime,
    *,
    tz_name: str = "UTC",
    default: str = "7d",
    max_days: int | None = None,
) -> Period | PeriodError:
    """``max_days``: the longest period the caller can show (None: any)."""
    spec = " ".join(text.strip().lower().split()) or default
    end = now.astimezone(UTC)
    try:
        period = _period(spec, end, ZoneInfo(tz_name), tz_name)
    except (ValueError, OverflowError):  # 2025-02-30; a date before datetime's range
        return PeriodError(text)
    if period is None or period.start >= end:
        return PeriodError(text, "form" if period is None else "future")
    if max_days is not None and len(period.days()) > max_days:
        return PeriodError(text, "too_long", max_days)
    return period


def _period(spec: str, end: datetime, tz: ZoneInfo, tz_name: str) -> Period | None:
    span = _SPAN.match(spec)
    if span:
        n, unit = int(span.group(1)), span.group(2)
        if n < 1:
            return None
        if unit == "h":
            return Period(end - timedelta(hours=n), end, f"{n}h", tz_name)
        today = end.astimezone(tz).date()
        first = datetime.combine(today - timedelta(days=n - 1), time(0), tz)
        return Period(first.astimezone(UTC), end, f"{n}d", tz_name)
    since = _SINCE.match(spec)
    if since:
        day = date.fromisoformat(since.group(1))
        start = datetime.combine(day, time(0), tz).astimezone(UTC)
        return Period(start, end, f"since {day.isoformat()}", tz_name)
    return None
