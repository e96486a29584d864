"""How much tjwatch can watch, and what it costs: the poll-cycle benchmark of issue 8.

    python -m benchmarks.poll_cycle [--feeds 500 --items 50] [--json] [--profile FILE.html]
                                    [--parse auto|pool|here]

One process run: build N feeds × M items from the real test feeds and serve them from a loopback
server in a subprocess; then (1) the raw floor, ``feedparser.parse`` of every feed's bytes in a row;
(2) a first full cycle through tjwatch's own poll job (``bot.jobs.poll``: fetch, parse in workers,
normalise, match, score, store into a real SQLite file; full text off, the corpus links lead
nowhere); (3) a second cycle, every feed answering 304; (4) digests built (not sent) for 1,000
subscribed chats over a database of 100,000 items; (5) ``/search`` and ``/summary 7d`` on it.

``--parse`` chooses where the cycles parse: where tjwatch chooses by the number of feeds
(``auto``), in the worker pool (``pool``), or in this process (``here``): the figures that place
``bot.ingest.cpu.POOL_MIN_FEEDS``.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import feedparser

from benchmarks.corpus import read_corpus
from benchmarks.memory import PeakRss, thread_cpu_s
from bot.ingest import feedparser_fast
from tests.support.config import write_config

if TYPE_CHECKING:
    from bot.services import Services

# tjwatch itself is imported inside the steps: the parse workers re-import this module (their
# ``__main__``), and should not each load the whole bot for it.

HOSTS = 8
SEARCHES = ("Таджикистан", "Russia Tajikistan", "мигранты", "Dushanbe energy", "Путин Рахмон")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.poll_cycle", description=__doc__)
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=50, help="items per feed")
    parser.add_argument("--db-items", type=int, default=100_000)
    parser.add_argument("--chats", type=int, default=1_000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument HTML profile of cycle 1")
    parser.add_argument("--skip-digest", action="store_true", help="only steps 1-3")
    parser.add_argument("--parse", choices=["auto", "pool", "here"], default="auto")
    args = parser.parse_args(argv)

    memory = PeakRss(interval=0.25).start()
    results: dict[str, Any] = {"feeds": args.feeds, "items_per_feed": args.items}
    with tempfile.TemporaryDirectory(prefix="tjwatch-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        subprocess.run(
            [
                *(sys.executable, "-m", "benchmarks.corpus", str(folder / "feeds")),
                *("--feeds", str(args.feeds), "--items", str(args.items)),
            ],
            check=True,
        )
        bodies = read_corpus(folder / "feeds")
        results["corpus_mb"] = round(sum(len(body) for body in bodies) / 1e6, 1)
        results["corpus_build_s"] = round(time.perf_counter() - started, 2)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.server",
                str(folder / "feeds"),
                "--hosts",
                str(HOSTS),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        memory.leave_out(server.pid)
        try:
            assert server.stdout is not None
            hosts = json.loads(server.stdout.readline())
            results["raw_parse_s"], results["raw_parse_cpu_s"], results["items"] = raw_floor(bodies)
            del bodies
            config = write_config(
                folder,
                {
                    f"feed-{f:05d}": f"http://{hosts[f % len(hosts)]}/feed-{f:05d}.xml"
                    for f in range(args.feeds)
                },
                **(
                    {"fetch": {"parse_workers": os.cpu_count() or 1}}
                    if args.parse == "pool"
                    else {}
                ),
            )
            if args.parse == "here":
                from bot.ingest import cpu

                cpu.POOL_MIN_FEEDS = sys.maxsize  # no cycle is large enough for the pool
            results["parse"] = args.parse
            results.update(asyncio.run(cycles(config, args.profile, memory)))
        finally:
            assert server.stdin is not None
            server.stdin.close()
            server.wait(10)
        if not args.skip_digest:
            results.update(asyncio.run(digests(folder, args.db_items, args.chats)))
    results["peak_rss_mb"] = round(memory.stop(), 1)
    results["peak_pss_mb"] = round(memory.peak_pss_mb, 1)
    results["ratio_first_to_raw"] = round(results["first_cycle_s"] / results["raw_parse_s"], 3)
    results["ratio_second_to_first"] = round(
        results["second_cycle_s"] / results["first_cycle_s"], 4
    )
    results["first_cycle_items_per_s"] = round(results["items"] / results["first_cycle_s"])
    results["load_average_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(results, ensure_ascii=False) if args.json else table(results))
    return 0


def raw_floor(bodies: list[bytes]) -> tuple[float, float, int]:
    # feedparser as released: tjwatch's parse workers install faster copies of two of its
    # methods and a shortcut (bot.ingest.feedparser_fast) when they start; this process never.
    if feedparser_fast.installed():
        raise RuntimeError("the raw floor must run on feedparser's own code, before tjwatch's")
    started, cpu = time.perf_counter(), time.process_time()
    items = 0
    for body in bodies:
        items += len(feedparser.parse(body).entries)
    return round(time.perf_counter() - started, 3), round(time.process_time() - cpu, 3), items


async def cycles(config: Path, profile: Path | None, memory: PeakRss) -> dict[str, Any]:
    from bot.ingest.cycle import PollStatus
    from bot.jobs import poll
    from bot.services import Services
    from bot.settings import load_settings

    settings = load_settings(config, env={}, dotenv=False)
    async with Services.build(settings) as services:
        await services.start_workers()  # as the bot does when it starts
        profiler = _profiler() if profile else None
        cpu, own, threads = memory.cpu_s(), time.process_time(), thread_cpu_s()
        first = await poll(services, force=True)
        first_cpu, first_own = memory.cpu_s() - cpu, time.process_time() - own
        by_thread = {
            name: round(used - threads.get(name, 0.0), 2)
            for name, used in thread_cpu_s().items()
            if used - threads.get(name, 0.0) >= 0.01
        }
        if profiler is not None:
            profiler.stop()
            profile.write_text(profiler.output_html())  # type: ignore[union-attr]
            print(profiler.output_text(unicode=True, show_all=False), file=sys.stderr)
        second = await poll(services, force=True)
        stored = services.store.items.count()
        db_mb = settings.database_path.stat().st_size / 1e6
    failed = [f.error for f in first.feeds if f.status is PollStatus.FAILED]
    if failed:
        print(f"warning: {len(failed)} feeds failed in cycle 1, e.g. {failed[0]}", file=sys.stderr)
    return {
        "first_cycle_s": round(first.seconds, 3),
        "first_cycle_cpu_s": round(first_cpu, 2),
        # this process alone (fetch, scoring, grouping, storing); the rest is the parse workers
        "first_cycle_main_cpu_s": round(first_own, 2),
        # of which per thread: the event loop (MainThread), scoring, the database thread
        "first_cycle_threads_cpu_s": by_thread,
        "first_cycle_new_items": first.new_items,
        "first_cycle_matched": len(first.matched),
        "second_cycle_s": round(second.seconds, 3),
        "second_cycle_not_modified": sum(
            1 for f in second.feeds if f.status is PollStatus.NOT_MODIFIED
        ),
        "stored_items": stored,
        "cycle_db_mb": round(db_mb, 1),
    }


def _profiler() -> Any:
    from pyinstrument import Profiler

    profiler = Profiler(async_mode="enabled")
    profiler.start()
    return profiler


async def digests(folder: Path, n_items: int, n_chats: int) -> dict[str, Any]:
    from benchmarks.dataset import fill
    from bot import reads
    from bot.delivery.outbox import Outbox
    from bot.services import Services
    from bot.settings import load_settings
    from bot.subscriptions import threshold

    (folder / "digest").mkdir()
    config = write_config(folder / "digest", {"one": "http://127.0.0.1:9/one.xml"})
    settings = load_settings(config, env={}, dotenv=False)
    out: dict[str, Any] = {}

    def fresh(services: Services) -> Outbox:
        """An outbox as the bot builds it, with nothing composed yet."""
        relevance = services.settings.file.thresholds.relevance
        rule = functools.partial(threshold, default=relevance)
        return Outbox(services.store, clock=services.clock, threshold=rule)

    async with Services.build(settings) as services:
        store = services.store
        now = services.clock.now()
        feed_ids = [f.id for f in await store.run(store.feeds.active)]
        started = time.perf_counter()
        dataset = await store.run(fill, store, now, items=n_items, chats=n_chats, feed_ids=feed_ids)
        out["db_fill_s"] = round(time.perf_counter() - started, 2)
        out["db_items"] = dataset.items
        out["db_relevant"] = dataset.relevant
        out["db_deliveries"] = dataset.deliveries
        chats = await store.run(store.chats.subscribed, "telegram")
        one: list[float] = []
        entries = 0
        for chat in chats[:20]:
            outbox = fresh(services)  # one chat alone: read and compose, nothing shared
            started = time.perf_counter()
            digest = await outbox.build_digest("telegram", chat)
            one.append(time.perf_counter() - started)
            entries = max(entries, len(digest.entries))
        out["digest_one_chat_ms"] = round(statistics.median(one) * 1000, 2)
        out["digest_entries"] = entries
        # All chats due at once (instant alerts after a poll): identical digests are shared.
        outbox = fresh(services)
        started = time.perf_counter()
        for chat in chats:
            await outbox.build_digest("telegram", chat)
        out["digest_1000_chats_s"] = round(time.perf_counter() - started, 3)
        out["digest_chats"] = len(chats)
        times = []
        for query in SEARCHES:
            started = time.perf_counter()
            await reads.search(store, query, 10)
            times.append(time.perf_counter() - started)
        out["search_ms"] = round(statistics.median(times) * 1000, 2)
        out["search_max_ms"] = round(max(times) * 1000, 2)
        out["summary_7d_s"] = await _summary_7d(services, now)
        await store.run(store.db.execute, "PRAGMA wal_checkpoint(TRUNCATE)")
        out["db_mb"] = round(settings.database_path.stat().st_size / 1e6, 1)
    return out


async def _summary_7d(services: Services, now: datetime) -> float:
    """``/summary 7d`` as the bot builds it (bot/digest/summary.py; no LLM configured)."""
    from bot.digest.llm import LlmClient
    from bot.digest.period import Period, parse_period
    from bot.digest.summary import summarize
    from bot.digest.themes import matcher_for

    period = parse_period("7d", now)
    assert isinstance(period, Period)
    started = time.perf_counter()
    settings = services.settings
    await summarize(
        services.store,
        period,
        matcher=matcher_for(settings),
        llm=LlmClient.from_settings(settings),
        now=services.clock.now(),
    )
    return round(time.perf_counter() - started, 3)


def table(r: dict[str, Any]) -> str:
    items = r["items"]
    rows = [
        (
            "corpus",
            f"{r['feeds']} feeds × {r['items_per_feed']} items = {items} items, "
            f"{r['corpus_mb']} MB",
        ),
        (
            "1 raw feedparser floor",
            f"{r['raw_parse_s']:.2f} s  {items / r['raw_parse_s']:,.0f} items/s  "
            f"(CPU {r['raw_parse_cpu_s']:.2f} s)",
        ),
        (
            "2 first cycle",
            f"{r['first_cycle_s']:.2f} s  {items / r['first_cycle_s']:,.0f} items/s  "
            f"({r['first_cycle_new_items']} new, {r['first_cycle_matched']} matched; "
            f"CPU {r['first_cycle_cpu_s']:.2f} s, of which {r['first_cycle_main_cpu_s']:.2f} s "
            "in this process, the rest in the parse workers)",
        ),
        (
            "3 second cycle (304)",
            f"{r['second_cycle_s']:.3f} s  ({r['second_cycle_not_modified']} not modified)",
        ),
        ("ratio 2/1", f"{r['first_cycle_s'] / r['raw_parse_s']:.2f}  (target ≤ 1.0)"),
        ("ratio 3/2", f"{r['second_cycle_s'] / r['first_cycle_s']:.3f}  (target ≤ 0.05)"),
        ("cycle database", f"{r['stored_items']} items, {r['cycle_db_mb']} MB"),
    ]
    if "digest_one_chat_ms" in r:
        rows += [
            (
                "4 database",
                f"{r['db_items']} items ({r['db_relevant']} relevant), "
                f"{r['db_deliveries']} deliveries, {r['db_mb']} MB, filled in "
                f"{r['db_fill_s']} s",
            ),
            (
                "4 digest, one chat",
                f"{r['digest_one_chat_ms']} ms median  (target ≤ 50 ms; "
                f"{r['digest_entries']} entries)",
            ),
            (
                "4 digest, all chats",
                f"{r['digest_1000_chats_s']:.2f} s for {r['digest_chats']} chats  (target ≤ 10 s)",
            ),
            (
                "5 /search",
                f"{r['search_ms']} ms median, {r['search_max_ms']} ms max  (target ≤ 50 ms)",
            ),
            ("5 /summary 7d", f"{r['summary_7d_s']} s  (target ≤ 1 s)"),
        ]
    rows.append(
        (
            "peak memory (tree)",
            f"RSS {r['peak_rss_mb']} MB, PSS {r['peak_pss_mb']} MB  (target ≤ 400 MB; RSS "
            "counts pages shared with the fork server once per worker)",
        )
    )
    rows.append(("load average", f"{r['load_average_1m']} (1 min, at the end)"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


if __name__ == "__main__":
    raise SystemExit(main())
