"""Retention in the running bot (issue 23): a pruned item its feed still serves stays gone, and a
pruning pass never keeps ``/search`` waiting behind it. Real parts: a loopback feed server, the
real poll cycle and outbox, a real SQLite file, a fixed clock."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import reads
from bot.clock import FixedClock
from bot.delivery.console_channel import ConsoleChannel
from bot.jobs import poll, prune
from bot.retention import RetentionPolicy
from bot.retention import prune as prune_store
from bot.services import Services
from bot.settings import load_settings
from bot.subscriptions import console_chat
from storage import NewItem, VerdictRecord, open_store
from tests.support.config import write_config
from tests.support.feed_server import FeedServer

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _count(services: Services, sql: str) -> int:
    return int(services.store.db.execute(sql).fetchone()[0])


@pytest.mark.asyncio
async def test_a_pruned_item_served_again_by_its_feed_is_not_stored_or_delivered_again(
    tmp_path: Path, feed_root: Path, feed_server: FeedServer
) -> None:
    body = (feed_root / "topic-en-rss.xml").read_bytes()
    served = [0]

    def feed() -> bytes:  # the same items, but a new body (and ETag) at every poll
        served[0] += 1
        return body + b"\n" * served[0]

    url = feed_server.changing("/topic-en", feed)
    config = write_config(
        tmp_path,
        {"Topic EN": url},
        retention={"unmatched_days": 14, "matched_days": 30},
        fetch={"parse_workers": 1},
    )
    clock = FixedClock(NOW)
    async with Services.build(load_settings(config, env={}), clock=clock) as services:
        chat = await console_chat(services.store, now=clock.now())
        first = await poll(services, force=True)
        assert first.new_items == 14 and len(first.matched) >= 3
        out = io.StringIO()
        await services.outbox.deliver(ConsoleChannel(out), chat)
        delivered = _count(services, "SELECT count(*) FROM deliveries WHERE status = 'sent'")
        assert delivered == len(first.matched)

        clock.advance(days=40)  # every item, matched or not, is past its retention
        report = await prune(services)
        assert report.items == 14
        assert _count(services, "SELECT count(*) FROM items") == 0
        assert _count(services, "SELECT count(*) FROM deliveries") == 0

        clock.advance(days=2)
        again = await poll(services, force=True)
        assert served[0] == 2 and not again.failed
        assert again.new_items == 0 and again.matched == []
        assert _count(services, "SELECT count(*) FROM items") == 0
        # The feed still carries them: their tombstones are kept from this poll on.
        seen = int(clock.now().timestamp())
        assert _count(services, f"SELECT count(*) FROM tombstones WHERE seen_at = {seen}") == 14
        later = io.StringIO()
        await services.outbox.deliver(ConsoleChannel(later), chat)
        assert "http" not in later.getvalue()
        assert _count(services, "SELECT count(*) FROM deliveries") == 0


def _old_items(n: int, feed_id: int) -> tuple[list[NewItem], list[VerdictRecord]]:
    at = NOW - timedelta(days=30)
    words = "Moscow Dushanbe migrants energy treaty border trade visit talks summit " * 6
    items = [
        NewItem(
            id=f"old{k:06d}",
            guid=None,
            url=f"https://news.example.org/{k}",
            title=f"Item {k} about migrants and energy",
            summary=f"{words} {k}",
            text=None,
            lang="en",
            published_at=at,
            published_raw=None,
            fetched_at=at,
            feed_id=feed_id,
        )
        for k in range(n)
    ]
    verdicts = [
        VerdictRecord(i.id, False, 0.1, (), None, {}, None, None, "test", at) for i in items
    ]
    return items, verdicts


@pytest.mark.asyncio
async def test_pruning_many_items_does_not_keep_search_waiting(tmp_path: Path) -> None:
    """The bot's ``/search`` goes through the same database thread as the pruning pass: it
    waits for one batch at most, never for the whole pass."""
    store = open_store(tmp_path / "tj.db")
    feed = store.feeds.add("Feed", "https://news.example.org/rss", None, NOW).id
    items, verdicts = _old_items(20_000, feed)
    with store.db.atomic():
        store.items.add(items)
        store.items.save_verdicts(verdicts)
    waits: list[float] = []
    pruning = asyncio.ensure_future(
        prune_store(store, RetentionPolicy(unmatched_days=14, batch_items=500), now=NOW)
    )
    while not pruning.done():
        started = time.perf_counter()
        await reads.search(store, "migrants energy", reads.SEARCH_LIMIT)
        waits.append(time.perf_counter() - started)
        await asyncio.sleep(0.005)
    report = await pruning
    store.close()

    assert report.items == 20_000
    assert len(waits) >= report.batches // 2, "searches were answered while the pass ran"
    assert max(waits) < 1.0, f"a search waited {max(waits):.2f} s behind the pruning"


def test_db_stats_shows_what_the_next_pruning_deletes_and_db_prune_does_it(
    cli, tmp_path: Path
) -> None:
    config = write_config(tmp_path, {}, retention={"unmatched_days": 14})
    store = open_store(tmp_path / "tjwatch.db")
    feed = store.feeds.add("Feed", "https://news.example.org/rss", None, NOW).id
    now = datetime.now(UTC)
    items, verdicts = _old_items(4, feed)
    # days: unmatched and due; unmatched, its text due; unmatched and kept; matched and kept
    ages = (20, 10, 3, 100)
    items = [
        replace(i, published_at=now - timedelta(days=d), fetched_at=now - timedelta(days=d))
        for i, d in zip(items, ages, strict=True)
    ]
    verdicts[3] = replace(verdicts[3], relevant=True, score=0.9)
    store.items.add(items)
    store.items.save_verdicts(verdicts)
    store.close()

    stats = cli("--config", str(config), "db", "stats")
    assert stats.code == 0, stats.err
    rows = {line.split("  ")[0].strip(): line.split()[-2:] for line in stats.out.splitlines()}
    assert rows["1-7 days"] == ["0", "1"] and rows["7-14 days"] == ["0", "1"]
    assert rows["14-30 days"] == ["0", "1"] and rows["90-365 days"] == ["1", "0"]
    assert rows["all"] == ["1", "3"]
    assert (
        "next pruning: 2 unmatched items older than 7 days lose their text;"
        " 0 traces older than 14 days are forgotten" in stats.out
    )
    assert "matched items are kept forever" in stats.out

    pruned = cli("--config", str(config), "db", "prune")
    assert pruned.code == 0, pruned.err
    assert "pruned 2 unmatched and 0 matched items" in pruned.out
    assert "1 traces kept, 0 forgotten" in pruned.out
    after = cli("--config", str(config), "db", "stats")
    assert "next pruning: 0 unmatched items" in after.out
    assert "traces: 1 headlines of unmatched items whose text was deleted" in after.out
    assert "0 of 2 tombstones" in after.out
    explained = cli("--config", str(config), "explain", items[1].id)
    assert explained.code == 1
    assert f"item {items[1].id} ('{items[1].title}') did not match; its text was deleted" in (
        explained.err
    )


@pytest.mark.asyncio
async def test_pruning_waits_while_a_poll_cycle_runs(tmp_path: Path) -> None:
    """A cycle looks up which items are stored, then writes what it found: no batch may delete
    one of them in between (a copy joining a deleted report would fail the cycle's write)."""
    config = write_config(tmp_path, {})
    async with Services.build(load_settings(config, env={}), clock=FixedClock(NOW)) as services:
        store = services.store
        feed = store.feeds.add("Feed", "https://news.example.org/rss", None, NOW).id
        items, verdicts = _old_items(10, feed)
        store.items.add(items)
        store.items.save_verdicts(verdicts)
        async with services.cycle_lock:  # as a poll cycle holds it
            pruning = asyncio.ensure_future(prune(services))
            await asyncio.sleep(0.3)
            assert not pruning.done()
            assert _count(services, "SELECT count(*) FROM items") == 10
        report = await pruning
        assert report.items == 10


def test_db_prune_and_a_second_run_are_refused_while_tjwatch_run_serves_the_database(
    cli, tmp_path: Path
) -> None:
    config = write_config(tmp_path, {"local": "http://127.0.0.1:9/feed.xml"})
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "TJWATCH_DB")}
    log = tmp_path / "service.log"
    with log.open("w") as out:
        service = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config), "run"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "console mode" not in log.read_text() and time.monotonic() < deadline:
            assert service.poll() is None, log.read_text()
            time.sleep(0.1)
        assert "console mode" in log.read_text()

        pruned = cli("--config", str(config), "db", "prune")
        assert pruned.code == 1
        assert "`tjwatch run` is running on the database" in pruned.err
        assert "Stop the service to prune now, or let it prune" in pruned.err
        second = cli("--config", str(config), "run", "--cycles", "1")
        assert second.code == 1
        assert "another `tjwatch run` is already running on the database" in second.err
        assert service.poll() is None, "the running service is left alone"
    finally:
        service.terminate()
        service.wait(30)
    # Once the service has stopped, pruning by hand works.
    assert cli("--config", str(config), "db", "prune").code == 0
