"""A month of running on a fixed clock, as fast as the machine allows: the soak benchmark of
issue 23.

    python -m benchmarks.soak [--days 30] [--json]

The shipped deployment's shape (``benchmarks.soak_stream``: the issue's 36 feeds, in the shipped
config's languages, Russian, English and Tajik 8 : 4 : 1; ~3,000 new items a day, ~1 % about the
topic, repeats across feeds, Google News searches, feeds failing for hours and coming back) is
served from loopback by ``benchmarks.soak_server``, which moves on one cycle at a time. The bot
is the real one: ``Services`` from a config like the shipped one, a SQLite file, the parse
workers, ``bot.jobs.poll`` every 15 minutes of a ``FixedClock``, subscribed chats' digests
through the real ``Outbox`` at their own hours (a recording channel stands in for Telegram), and
retention's ``bot.jobs.prune_job`` on its schedule.

Each simulated day prints the database file's size, the items kept (matched / unmatched), the
peak PSS of the process tree during the day and the median poll-cycle time; beside them the bot
process's own resident set and anonymous memory at the end of the day (``rss_mb``, ``anon_mb`` in
the JSON too: unlike the tree's PSS, they do not move when other processes map the same library
files), and (not in the JSON) the CPU seconds the tree used that day, the items pruned and the
longest pruning transaction. At the end, from the harness's own bookkeeping
(``benchmarks.soak_ledger``): items a chat was shown twice, matched items no longer in the
database, deleted items stored as new again: each must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.memory import PeakRss, resident_mb
from benchmarks.soak_chats import RecordingChannel, digest_due, subscribe_chats
from benchmarks.soak_ledger import Ledger
from benchmarks.soak_stream import CYCLE, CYCLES_PER_DAY, START
from tests.support.config import write_config

if TYPE_CHECKING:
    from bot.clock import FixedClock
    from bot.retention import PruneReport
    from bot.services import Services

# tjwatch itself is imported inside the run: the parse workers re-import this module (their
# ``__main__``) and should not each load the whole bot for it.

FETCH_TIMEOUT_S = 2.0  # a hanging feed costs a cycle this long (the shipped 30 s, scaled down)


@dataclass(frozen=True, slots=True)
class Day:
    day: int
    db_mb: float
    matched: int
    unmatched: int
    traces: int
    """Unmatched items past ``unmatched_text_days``: only their headline is kept."""
    peak_pss_mb: float
    cycle_s_median: float
    # The bot's own process at the end of the day (after its last cycle has given memory back):
    # its resident set and the anonymous part of it. The tree's PSS also moves when other
    # processes map the same files (another venv user); these move only with the bot.
    rss_mb: float
    anon_mb: float
    # Not in the JSON: the process tree's CPU seconds during the day (they tell a busy
    # machine's slow cycles from the bot's), the items pruned and the longest pruning
    # transaction (the longest the bot's other work waited for it).
    cpu_s: float
    pruned: int
    prune_lock_s: float

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in EXTRA}


EXTRA = ("cpu_s", "pruned", "prune_lock_s")


@dataclass
class Result:
    days: list[Day] = field(default_factory=list)
    redelivered: int = 0
    matched_lost: int = 0
    returned_as_new: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "days": [d.as_json() for d in self.days],
            "redelivered": self.redelivered,
            "matched_lost": self.matched_lost,
            "returned_as_new": self.returned_as_new,
        }


# Called after each simulated day: the services, the ledger and the day's number.
AfterDay = Callable[["Services", Ledger, int], Awaitable[None]]


async def soak(
    days: int,
    *,
    feeds: int = 36,
    topic_share: float = 0.01,
    after_day: AfterDay | None = None,
    report: Callable[[Day], None] = lambda day: None,
) -> Result:
    with tempfile.TemporaryDirectory(prefix="tjwatch-soak-") as tmp:
        folder = Path(tmp)
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "benchmarks.soak_server"),
                *("--feeds", str(feeds), "--topic-share", str(topic_share)),
                *("--hang", str(FETCH_TIMEOUT_S + 1)),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdin is not None and server.stdout is not None
        try:
            listing = json.loads(server.stdout.readline())["feeds"]
            config = write_config(
                folder,
                listing,
                fetch={"timeout": FETCH_TIMEOUT_S, "connect_timeout": FETCH_TIMEOUT_S},
            )
            ledger = Ledger(folder / "ledger.db")
            try:
                return await _run(config, server, ledger, days, after_day, report)
            finally:
                ledger.close()
        finally:
            server.stdin.close()
            server.wait(10)


async def _run(
    config: Path,
    server: subprocess.Popen[str],
    ledger: Ledger,
    days: int,
    after_day: AfterDay | None,
    report: Callable[[Day], None],
) -> Result:
    from bot.clock import FixedClock
    from bot.services import Services
    from bot.settings import load_settings

    settings = load_settings(config, env={}, dotenv=False)
    clock = FixedClock(START)
    result = Result()
    async with Services.build(settings, clock=clock) as services:
        await services.start_workers()  # as the bot does when it starts
        await subscribe_chats(services)
        month = Month(services, clock, server, ledger)
        try:
            for n in range(1, days + 1):
                day = await month.day(n)
                result.days.append(day)
                report(day)
                if after_day is not None:
                    await after_day(services, ledger, n)
        finally:
            month.close()
        ids = ledger.matched_ids()
        kept = await services.store.run(services.store.items.known_ids, ids)
        result.matched_lost = len(set(ids) - kept)
    result.returned_as_new = month.returned_as_new
    result.redelivered = ledger.redelivered()
    result.counts = {**ledger.counts(), "never_served": ledger.never_served()}
    return result


class Month:
    """The simulated month's cycles: the world moves on, the bot polls, chats whose digest is
    due get it, and retention runs when it is due, as ``tjwatch run`` schedules it (every
    ``interval_minutes``, the first an interval after the start)."""

    def __init__(
        self, services: Services, clock: FixedClock, server: subprocess.Popen[str], ledger: Ledger
    ) -> None:
        self.services, self.clock, self.server, self.ledger = services, clock, server, ledger
        self.channel = RecordingChannel(ledger)
        self.cycle = 0
        self.returned_as_new = 0
        # The rows a cycle added, read beside the bot (a reader of a WAL file blocks no one).
        path = services.settings.database_path
        self._added = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self._last_rowid = 0
        self._prune_every = timedelta(minutes=services.settings.file.retention.interval_minutes)
        self._next_prune = clock.now() + self._prune_every

    def close(self) -> None:
        self._added.close()

    async def day(self, n: int) -> Day:
        memory = PeakRss(interval=0.25).start()
        memory.leave_out(self.server.pid)
        try:
            cpu = memory.cpu_s()
            times: list[float] = []
            pruned: list[PruneReport] = []
            for _ in range(CYCLES_PER_DAY):
                times.append(await self._cycle(pruned))
            cpu = memory.cpu_s() - cpu
        finally:
            memory.stop()
        rss, anon = resident_mb(os.getpid())
        store = self.services.store
        total = await store.run(store.items.count)
        matched = await store.run(store.items.count_relevant)
        traces = await store.run(store.items.count_traces)
        return Day(
            day=n,
            db_mb=round(self.services.settings.database_path.stat().st_size / 1e6, 2),
            matched=matched,
            unmatched=total - matched,
            traces=traces,
            peak_pss_mb=round(memory.peak_pss_mb, 1),
            cycle_s_median=round(statistics.median(times), 4),
            rss_mb=round(rss, 1),
            anon_mb=round(anon, 1),
            cpu_s=round(cpu, 1),
            pruned=sum(p.items for p in pruned),
            prune_lock_s=round(max((p.longest_batch_s for p in pruned), default=0.0), 3),
        )

    async def _cycle(self, pruned: list[PruneReport]) -> float:
        """One cycle; returns the poll's seconds."""
        from bot.jobs import digest_job, poll, prune_job

        services, ledger, stdin, stdout = (
            self.services,
            self.ledger,
            self.server.stdin,
            self.server.stdout,
        )
        assert stdin is not None and stdout is not None
        self.clock.advance(seconds=CYCLE.total_seconds())
        self.cycle = self.channel.cycle = self.cycle + 1
        stdin.write("tick\n")
        stdin.flush()
        ledger.served(self.cycle, json.loads(stdout.readline()))
        started = time.perf_counter()
        report = await poll(services)
        seconds = time.perf_counter() - started
        rows = self._added.execute(
            "SELECT rowid, url FROM items WHERE rowid > ? ORDER BY rowid", [self._last_rowid]
        ).fetchall()
        if rows:
            self._last_rowid = rows[-1][0]
        self.returned_as_new += ledger.stored(self.cycle, [url for _, url in rows])
        ledger.matched(self.cycle, (item.id for item, _ in report.matched))
        now = self.clock.now()
        for chat in await services.store.run(services.store.chats.subscribed, "telegram"):
            if chat.frequency == "instant" or digest_due(chat, now):
                await digest_job(services, self.channel, chat)
        if now >= self._next_prune:
            self._next_prune += self._prune_every
            done = await prune_job(services)
            if done is not None:
                pruned.append(done)
        return seconds


def row(day: Day) -> str:
    return (
        f"{day.day:>4}  {day.db_mb:>8.1f}  {day.matched:>7}  {day.unmatched:>9}  {day.traces:>6}  "
        f"{day.peak_pss_mb:>11.1f}  {day.rss_mb:>6.1f}  {day.anon_mb:>7.1f}  "
        f"{day.cycle_s_median:>14.3f}  {day.cpu_s:>7.1f}  "
        f"{day.pruned:>7}  {day.prune_lock_s:>12.3f}"
    )


HEADER = f"{'day':>4}  {'db MB':>8}  {'matched':>7}  {'unmatched':>9}  {'traces':>6}  " + (
    f"{'peak PSS MB':>11}  "
    f"{'RSS MB':>6}  {'anon MB':>7}  "
    f"{'cycle s median':>14}  {'CPU s':>7}  {'pruned':>7}  {'prune lock s':>12}"
)


def verdict(result: Result) -> str:
    by_day = {d.day: d for d in result.days}
    lines = [
        f"items re-delivered: {result.redelivered} (must be 0)",
        f"matched items lost: {result.matched_lost} (must be 0)",
        f"deleted items that came back as new: {result.returned_as_new} (must be 0)",
        "bookkeeping: " + ", ".join(f"{k} {v}" for k, v in result.counts.items()),
    ]
    if 3 in by_day and 10 in by_day and 30 in by_day:
        d3, d10, d30 = by_day[3], by_day[10], by_day[30]
        lines += [
            f"db day 30 / day 10: {d30.db_mb / d10.db_mb:.2f} (target ≤ 1.2)",
            f"peak PSS day 30 / day 3: {d30.peak_pss_mb / d3.peak_pss_mb:.3f} (target ≤ 1.10)",
            f"cycle median day 30 / day 3: {d30.cycle_s_median / d3.cycle_s_median:.3f} "
            "(target ≤ 1.20)",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--days", type=int, default=30, help="simulated days (--days 3: quick)")
    parser.add_argument("--feeds", type=int, default=36, help="fewer leave out the wires first")
    parser.add_argument("--json", action="store_true", help="end with one JSON object")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    out = sys.stderr if args.json else sys.stdout
    print(HEADER, file=out, flush=True)
    started = time.perf_counter()
    result = asyncio.run(
        soak(args.days, feeds=args.feeds, report=lambda day: print(row(day), file=out, flush=True))
    )
    print(verdict(result), file=out)
    print(f"wall time: {time.perf_counter() - started:.0f} s", file=out)
    if args.json:
        print(json.dumps(result.as_json()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
