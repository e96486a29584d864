"""Reading the period a person asks for: hours roll, days are calendar days in their time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.digest.period import Period, PeriodError, parse_period

NOW = datetime(2026, 3, 20, 21, 30, tzinfo=UTC)  # already 21 March in Dushanbe (UTC+5)


def test_hours_are_a_rolling_window() -> None:
    period = parse_period("24h", NOW)
    assert isinstance(period, Period)
    assert period.start == datetime(2026, 3, 19, 21, 30, tzinfo=UTC) and period.end == NOW


def test_days_are_calendar_days_today_included() -> None:
    period = parse_period("7d", NOW, tz_name="Asia/Dushanbe")
    assert isinstance(period, Period)
    assert period.start == datetime(2026, 3, 14, 19, 0, tzinfo=UTC)  # 15 March 00:00 +05
    assert [d.day for d in period.days()] == [15, 16, 17, 18, 19, 20, 21]
    month = parse_period(" 30D ", NOW)
    assert isinstance(month, Period) and len(month.days()) == 30


def test_since_a_date() -> None:
    for text in ("since 2026-03-01", "2026-03-01"):
        period = parse_period(text, NOW)
        assert isinstance(period, Period) and period.label == "since 2026-03-01"
        assert period.start == datetime(2026, 3, 1, tzinfo=UTC)


def test_the_default_when_nothing_is_given() -> None:
    period = parse_period("", NOW, default="30d")
    assert isinstance(period, Period) and period.label == "30d"


@pytest.mark.parametrize("text", ["week", "0d", "since 2026-13-01", "7 days", "-1h", "100000d"])
def test_what_is_not_a_period(text: str) -> None:
    assert parse_period(text, NOW) == PeriodError(text)


@pytest.mark.parametrize("text", ["3650d", "since 2016-01-01", "2016-01-01", "since=2016-01-01"])
def test_any_length_back_unless_the_caller_limits_it(text: str) -> None:
    period = parse_period(text, NOW, tz_name="Asia/Dushanbe")
    assert isinstance(period, Period) and period.days()[0].year == 2016
    assert parse_period(text, NOW, max_days=366) == PeriodError(text, "too_long", 366)


def test_a_date_after_today_is_in_the_future() -> None:
    assert parse_period("since 2027-01-01", NOW) == PeriodError("since 2027-01-01", "future")
