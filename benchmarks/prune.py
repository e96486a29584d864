"""Retention's cost on the 100,000-item database of ``benchmarks.poll_cycle`` (issue 23):

    python -m benchmarks.prune [--items 100000] [--batch 1000 --batch 10000] [--json]

Fills a database through the storage layer (``benchmarks.dataset``: 30 days of items, 5 %
matched, 1,000 chats with their deliveries), then, for each batch size on a fresh copy of it, runs
one pruning pass at the default retention (unmatched items lose their text after 7 days, about
three quarters of the items, and those 7 to 14 days old leave a trace) while a reader asks
``/search`` through the same store over and over, as the bot does meanwhile. Each transaction
stops at ``bot.retention.BATCH_BUDGET_S`` whatever its batch size, so ``--batch 10000`` measures
what that budget holds a large batch to.
Prints, per batch size: items deleted, batches, the longest and median batch transaction (how
long the write lock was held at most), the longest step of any kind (a batch, a checkpoint, a
merge of the full-text index, an incremental vacuum: the longest the database thread was busy at
once), the whole pass, the slowest ``/search`` answered during it, the file before and after;
and how long the upgrade's one-time ``VACUUM`` (m013) takes on that file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.poll_cycle import SEARCHES
from tests.support.config import write_config

BATCHES = (25, 10_000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.prune", description=__doc__)
    parser.add_argument("--items", type=int, default=100_000, help="items in the database")
    parser.add_argument(
        "--batch", type=int, action="append", help="items per transaction (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tjwatch-prune-") as tmp:
        results = asyncio.run(run(Path(tmp), args.items, tuple(args.batch or BATCHES)))
    print(json.dumps(results) if args.json else table(results))
    return 0


async def run(folder: Path, n_items: int, batches: tuple[int, ...]) -> dict[str, Any]:
    from benchmarks.dataset import fill
    from bot.services import Services
    from bot.settings import load_settings

    config = write_config(folder, {"one": "http://127.0.0.1:9/one.xml"})
    settings = load_settings(config, env={}, dotenv=False)
    out: dict[str, Any] = {"items": n_items, "runs": []}
    async with Services.build(settings) as services:
        store = services.store
        now = services.clock.now()
        feed_ids = [f.id for f in await store.run(store.feeds.active)]
        started = time.perf_counter()
        await store.run(fill, store, now, items=n_items, chats=1_000, feed_ids=feed_ids)
        out["fill_s"] = round(time.perf_counter() - started, 1)
        await store.run(store.db.execute, "PRAGMA wal_checkpoint(TRUNCATE)")
    base = settings.database_path
    out["db_mb"] = _mb(base)
    for batch in batches:
        copy = folder / f"batch-{batch}.db"
        shutil.copy(base, copy)
        out["runs"].append(await _prune_run(copy, batch, now))
        copy.unlink()
    out["upgrade_vacuum_s"] = _upgrade_vacuum(base)
    return out


async def _prune_run(path: Path, batch: int, now: Any) -> dict[str, Any]:
    from bot import reads
    from bot.retention import RetentionPolicy
    from storage import open_store

    store = open_store(path)
    policy = RetentionPolicy(batch_items=batch)
    waits: list[float] = []
    done = asyncio.Event()

    async def reader() -> None:
        n = 0
        while not done.is_set():
            started = time.perf_counter()
            await reads.search(store, SEARCHES[n % len(SEARCHES)], reads.SEARCH_LIMIT)
            waits.append(time.perf_counter() - started)
            n += 1
            await asyncio.sleep(0.01)

    from bot.retention import prune

    probe = asyncio.ensure_future(reader())
    report = await prune(store, policy, now=now)
    holds = report.batch_seconds or (0.0,)
    done.set()
    await probe
    await store.run(store.db.execute, "PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return {
        "batch": batch,
        "deleted": report.items,
        "batches": report.batches,
        "lock_max_ms": round(max(holds) * 1000, 1),
        "lock_median_ms": round(statistics.median(holds) * 1000, 1),
        "lock_p99_ms": round(sorted(holds)[int(0.99 * (len(holds) - 1))] * 1000, 1),
        "longest_step_ms": round(report.longest_step_s * 1000, 1),
        "prune_s": round(report.seconds, 2),
        "searches": len(waits),
        "search_max_ms": round(max(waits) * 1000, 1),
        "search_median_ms": round(statistics.median(waits) * 1000, 1),
        "db_mb_after": _mb(path),
    }


def _upgrade_vacuum(path: Path) -> float:
    """The one-time rewrite m013 does on a database of an earlier version (auto_vacuum NONE)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA auto_vacuum = NONE")
    conn.execute("VACUUM")
    started = time.perf_counter()
    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    conn.execute("VACUUM")
    seconds = time.perf_counter() - started
    conn.close()
    return round(seconds, 2)


def _mb(path: Path) -> float:
    return round(path.stat().st_size / 1e6, 1)


def table(r: dict[str, Any]) -> str:
    lines = [
        f"database: {r['items']} items, {r['db_mb']} MB (filled in {r['fill_s']} s)",
        "batch   deleted  batches  lock max  lock p99  lock median  step max  pass    /search max"
        "  median  file after",
    ]
    for run in r["runs"]:
        lines.append(
            f"{run['batch']:>6}  {run['deleted']:>7}  {run['batches']:>7}"
            f"  {run['lock_max_ms']:>6} ms  {run['lock_p99_ms']:>5} ms"
            f"  {run['lock_median_ms']:>8} ms"
            f"  {run['longest_step_ms']:>6} ms"
            f"  {run['prune_s']:>5} s  {run['search_max_ms']:>8} ms"
            f"  {run['search_median_ms']:>4} ms"
            f"  {run['db_mb_after']} MB"
        )
    lines.append(f"upgrade (m013's one-time VACUUM of this file): {r['upgrade_vacuum_s']} s")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
