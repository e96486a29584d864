"""Every hostile feed at once, next to good feeds, in one ``tjwatch poll --once`` process.

tests/ingest covers each misbehaviour on its own, in-process; this is the user's view of one real
cycle: the process exits normally with bounded memory, every item of the good feeds is stored,
each bad feed's health says what is wrong with it, and a local file an XML entity points at
never reaches the database.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ingest.feed_admin import list_feed_health
from bot.services import Services
from bot.settings import load_settings
from tests.conftest import DATA
from tests.reliability.support import child_env, file_bytes, query, run_measured
from tests.support.config import write_config
from tests.support.feed_server import FeedServer

HOSTILE = DATA / "hostile"
PEAK_RSS_LIMIT_MB = 400
GOOD = {"Topic EN": ("topic-en-rss.xml", 14), "Topic RU": ("topic-ru-rss.xml", 12)}
RSS = "application/rss+xml; charset=utf-8"


def xxe_feed(secret: Path) -> bytes:
    """External general and parameter entities naming a local file, used in an item."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">'
        f'<!ENTITY % pe SYSTEM "file://{secret}">]>\n'
        '<rss version="2.0"><channel><title>XXE</title><link>https://xxe.example/</link>'
        "<description>x</description><item><title>Russia and Tajikistan &xxe;</title>"
        "<link>https://xxe.example/1</link><guid>xxe-1</guid>"
        "<description>Moscow and Dushanbe &xxe;</description></item></channel></rss>"
    ).encode()


def bad_utf8_feed() -> bytes:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bad '
        "bytes</title><link>https://bytes.example/</link><description>x</description>"
    )
    item = (
        "<item><title>Russia and Tajikistan \xff\xfe\xc3( broken</title>"
        "<link>https://bytes.example/1</link><guid>bytes-1</guid></item>"
    )
    return head.encode() + item.encode("latin-1") + b"</channel></rss>"


@pytest.fixture
def hostile_server(feed_root: Path) -> Iterator[FeedServer]:
    """A second outlet on its own loopback host, so per-host limits treat it as one."""
    with FeedServer(feed_root, host="127.0.0.2") as server:
        yield server


@pytest.mark.slow
def test_all_hostile_feeds_in_one_cycle_leave_the_good_ones_whole(
    tmp_path: Path, feed_server: FeedServer, hostile_server: FeedServer
) -> None:
    marker = f"TJWATCH-LOCAL-SECRET-{uuid.uuid4().hex}"
    secret = tmp_path / "secret.txt"
    secret.write_text(marker, "utf-8")
    h = hostile_server
    trickled = (DATA / "topic" / "topic-en-rss.xml").read_bytes()
    hostile = {
        "Billion laughs": h.page("/bomb", (HOSTILE / "billion-laughs-rss.xml").read_bytes(), RSS),
        "XXE": h.page("/xxe", xxe_feed(secret), RSS),
        "Endless": h.huge("/endless"),
        "Trickle": h.trickle("/trickle", trickled, per_second=1.0),
        "Loop": h.redirect_loop("/loop"),
        "Bad UTF-8": h.page("/bytes", bad_utf8_feed(), RSS),
        "HTML": h.page("/html", b"<!DOCTYPE html><html><body><p>Welcome</p></body></html>"),
        "Empty": h.page("/empty", b"", RSS),
        "Flapping": h.flapping("/flap", "topic-ru-rss.xml", failures=1),
    }
    good = {name: feed_server.url(file) for name, (file, _n) in GOOD.items()}
    config = write_config(
        tmp_path,
        {**good, **hostile},
        fetch={"timeout": 3, "connect_timeout": 2, "max_body_bytes": 1 << 20},
    )
    db = tmp_path / "tjwatch.db"

    run = run_measured(["--config", str(config), "poll", "--once"], cwd=tmp_path, env=child_env())

    assert run.code == 0, run.err
    stored = query(
        db,
        "SELECT count(*) FROM item_sources s JOIN feeds f "
        "ON f.id = s.feed_id WHERE f.name IN ('Topic EN', 'Topic RU')",
    )[0][0]
    lost = sum(n for _f, n in GOOD.values()) - stored
    print(
        f"\n9 hostile feeds beside 2 good ones, one tjwatch poll --once: good items lost "
        f"{lost}, duplicates {duplicates(db)}, peak RSS {run.peak_rss_mb:.1f} MB"
    )
    assert run.peak_rss_mb < PEAK_RSS_LIMIT_MB, f"peak RSS {run.peak_rss_mb:.0f} MB"
    health = asyncio.run(_health(config))
    for name, (_file, n) in GOOD.items():
        assert health[name].status == "ok" and health[name].items_seen == n, health[name]
    assert lost == 0 and duplicates(db) == 0

    def problem(name: str) -> str:
        return f"{health[name].last_error or ''} {health[name].bozo_reason or ''}".strip()

    # Entities are never expanded: the bomb and the XXE reference are parse problems, named.
    assert "entity" in problem("Billion laughs"), problem("Billion laughs")
    assert "not well-formed XML" in problem("XXE"), problem("XXE")
    assert problem("Endless") == "response larger than 1 MiB; download aborted"
    assert problem("Trickle") == "timed out after 3 s"
    assert problem("Loop").startswith("redirect loop:")
    assert problem("HTML") == "not a usable feed: an HTML page, not a feed"
    assert problem("Empty") == "not a usable feed: not a feed (no RSS or Atom elements found)"
    assert problem("Flapping") == "HTTP 500 Internal Server Error"
    assert "wrong or missing encoding declaration" in problem("Bad UTF-8"), problem("Bad UTF-8")
    for name in ("Endless", "Trickle", "Loop", "HTML", "Empty", "Flapping"):
        assert health[name].status == "failing", (name, health[name])

    # The local file never reached an item, the database file, or the output.
    assert marker.encode() not in file_bytes(db)
    assert marker not in run.out + run.err
    assert not any(marker in str(v) for row in query(db, "SELECT * FROM items") for v in row)

    # The flapping feed recovers on the next cycle; nothing is stored twice.
    second = run_measured(
        ["--config", str(config), "poll", "--once"], cwd=tmp_path, env=child_env()
    )
    assert second.code == 0, second.err
    health = asyncio.run(_health(config))
    print(
        f"second cycle (the flapping feed recovers): duplicates {duplicates(db)}, "
        f"peak RSS {second.peak_rss_mb:.1f} MB"
    )
    assert health["Flapping"].status == "ok" and health["Flapping"].items_seen == 12
    assert duplicates(db) == 0  # its items are the Topic RU items: one row each, two sources
    assert (
        query(db, "SELECT count(*) FROM items WHERE id IN (SELECT item_id FROM item_sources)")[0][0]
        == query(db, "SELECT count(*) FROM items")[0][0]
    )


def duplicates(db: Path) -> int:
    """Items stored more than once: rows beyond the first with the same link."""
    return int(query(db, "SELECT count(*) - count(DISTINCT url) FROM items")[0][0])


async def _health(config: Path) -> dict[str, object]:
    async with Services.build(load_settings(config, env={})) as services:
        return {h.name: h for h in await list_feed_health(services.store)}
