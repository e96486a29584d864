"""Where a poll cycle parses: a few feeds in the bot's own process, many in worker processes.

What a user sees is the process tree (``ps``, the container's memory): a deployment of a few
feeds runs as one process; one that polls many starts the parse pool's fork server and workers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest.cpu import POOL_MIN_FEEDS
from bot.jobs import poll
from bot.relevance.reading import words_cached
from tests.ingest.conftest import MakeServices, rows
from tests.support.feed_server import FeedServer

pytestmark = pytest.mark.asyncio
PROC = Path("/proc")
SMALL = {
    "Lenta.ru": "lenta-ru-2022-12-rss.xml",
    "Meduza": "meduza-io-2020-10-rss.xml",
    "Topic (en)": "topic-en-rss.xml",
}


def _tree() -> list[str]:
    """The command lines of every process this one started, and of theirs."""
    found, stack = [], [Path("/proc/self")]
    while stack:
        for task in (stack.pop() / "task").iterdir():
            for pid in (task / "children").read_text().split():
                try:
                    found.append((PROC / pid / "cmdline").read_bytes().replace(b"\0", b" "))
                except OSError:
                    continue  # gone meanwhile
                stack.append(PROC / pid)
    return [cmdline.decode(errors="replace") for cmdline in found]


def _parse_processes() -> int:
    """The pool's fork server and its workers."""
    return sum("multiprocessing.forkserver" in cmdline for cmdline in _tree())


async def test_a_few_feeds_parse_in_the_bot_process_with_no_worker_processes(
    make_services: MakeServices, feed_server: FeedServer, tmp_path: Path
) -> None:
    svc = make_services({name: feed_server.url(file) for name, file in SMALL.items()})
    await svc.start_workers()  # as `tjwatch run` starts
    report = await poll(svc, force=True)
    await poll(svc, force=True)

    assert [f.status for f in report.feeds] == ["ok", "ok", "ok"]
    stored = rows(tmp_path / "tjwatch.db", "SELECT count(*) FROM items")[0][0]
    assert stored == report.new_items > 60
    assert report.matched  # the topic feed's items are read and scored as in the workers
    assert _parse_processes() == 0
    # The bot's word caches hold no cycle's words after it (they would grow for weeks).
    assert words_cached() == 0


async def test_a_cycle_of_many_feeds_starts_the_parse_workers(
    make_services: MakeServices, feed_server: FeedServer
) -> None:
    feeds = {
        f"Topic {n}": feed_server.url("topic-ru-rss.xml") + f"?copy={n}"
        for n in range(POOL_MIN_FEEDS)
    }
    svc = make_services(feeds)
    await svc.start_workers()
    assert _parse_processes() == 1 + svc.cpu.workers  # started with the bot, before a cycle

    report = await poll(svc, force=True)
    assert len(report.feeds) == POOL_MIN_FEEDS and not report.failed
    assert report.new_items > 0 and report.matched


async def test_parse_workers_in_the_config_start_them_for_any_cycle(
    make_services: MakeServices, feed_server: FeedServer
) -> None:
    svc = make_services({"Meduza": feed_server.url(SMALL["Meduza"])}, fetch={"parse_workers": 1})
    await svc.start_workers()
    report = await poll(svc, force=True)

    assert [(f.status, f.items) for f in report.feeds] == [("ok", 30)]
    assert _parse_processes() == 2  # the fork server and the one worker
