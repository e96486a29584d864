"""``tjwatch`` on a wall clock the test sets: the real CLI, for end-to-end tests that replay dates.

    python tests/support/tjwatch_at.py CLOCK_FILE --config tjwatch.toml run

``CLOCK_FILE`` holds an ISO 8601 instant. time-machine moves this process's wall clock
(``time.time``, ``datetime.now`` and the C calls behind them) to it and lets it tick on from
there; whenever the test writes another instant to the file (``set_clock``), the clock jumps to
it. The monotonic clocks that asyncio, httpx and the rate limiter wait on are left alone, so the
bot runs at normal speed on the replayed days. Then ``bot.cli:main`` runs as the ``tjwatch``
script would: nothing in the bot knows. (The parse pool's workers keep the real clock; they are
handed the travelled ``fetched_at``.)

APScheduler (under python-telegram-bot's JobQueue too) sleeps on the loop's monotonic timer until
its next job, so after a jump every scheduler the process started (they are noted as they start)
is woken with its own ``wakeup()`` ("there may be jobs due"): it then runs what the new time
makes due, as it would have had the time passed. Missed runs are coalesced into one (tjwatch's
jobs set ``coalesce=True``), so a jump of a day is one poll, not ninety-six.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import time_machine
from apscheduler.schedulers.base import BaseScheduler

from bot.cli import main

WATCH_S = 0.05
_SCHEDULERS: list[BaseScheduler] = []


def command(clock_file: Path) -> list[str]:
    """The command line that runs ``tjwatch`` (its arguments follow) on ``clock_file``'s clock."""
    return [sys.executable, __file__, str(clock_file)]


def set_clock(clock_file: Path, at: datetime) -> None:
    """Set the clock of every process started with ``command(clock_file)`` to ``at``."""
    part = clock_file.with_suffix(".part")
    part.write_text(at.isoformat(), "utf-8")
    os.replace(part, clock_file)


def _follow(clock_file: Path, traveller: time_machine.Traveller, shown: str) -> None:
    while True:
        time.sleep(WATCH_S)
        text = clock_file.read_text("utf-8")
        if text == shown:
            continue
        shown = text
        traveller.move_to(datetime.fromisoformat(text))
        for scheduler in _SCHEDULERS:
            if scheduler.running:
                scheduler.wakeup()  # thread-safe: it runs on the scheduler's own loop


def _remember_schedulers() -> None:
    """Keep each APScheduler scheduler as it starts, to wake it after a jump."""
    start = BaseScheduler.start

    def remembered(self: BaseScheduler, *args: Any, **kwargs: Any) -> None:
        _SCHEDULERS.append(self)
        start(self, *args, **kwargs)

    BaseScheduler.start = remembered  # type: ignore[method-assign]


if __name__ == "__main__":
    _remember_schedulers()
    clock = Path(sys.argv[1])
    start = clock.read_text("utf-8")
    with time_machine.travel(datetime.fromisoformat(start), tick=True) as traveller:
        threading.Thread(target=_follow, args=(clock, traveller, start), daemon=True).start()
        sys.exit(main(sys.argv[2:]))
