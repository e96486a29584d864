"""How tjwatch reads the wall clock: through a ``Clock``, so that tests and offline scoring can
give their own time.

Everything in ``bot`` and ``storage`` that decides by the date or time (due feeds, backoff,
Retry-After dates, digest periods, what is stored as fetched or sent when) takes it from a
``Clock`` (``SystemClock`` in the bot) or as a ``now`` argument. The schedulers are the
exception: APScheduler and python-telegram-bot's JobQueue run on the wall clock themselves, and
the first run time handed to them (``bot.telegrambot.schedule``, ``bot.console_runner``) is
read beside them. Durations are measured on the monotonic clock (``time.perf_counter``), not
this one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests, offline scoring)."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, **delta: float) -> None:
        self._at = self._at + timedelta(**delta)
