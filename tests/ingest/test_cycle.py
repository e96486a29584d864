"""Poll cycles against real loopback servers and real feed snapshots, stored in a real SQLite file.

One bad outlet never costs the user a story from another: every test here has a failing or odd
feed next to a good one and checks what was stored for both.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.ingest.cycle import CycleReport, pool_parse, run_cycle
from bot.ingest.feed_admin import list_feed_health
from bot.jobs import poll
from tests.ingest.conftest import HOSTILE, NOW, MakeServices, rows
from tests.support.feed_server import FeedServer

pytestmark = pytest.mark.asyncio

LENTA_ITEMS = 198  # 200 entries, two GUIDs repeated within the feed


def _db(tmp_path: Path) -> Path:
    return tmp_path / "tjwatch.db"


async def test_a_hanging_feed_times_out_while_the_others_are_stored(
    make_services: MakeServices, feed_server: FeedServer, tmp_path: Path
) -> None:
    svc = make_services(
        {
            "Hangs": feed_server.hang("/hang"),
            "Lenta.ru": feed_server.url("lenta-ru-2022-12-rss.xml"),
            "Meduza": feed_server.url("meduza-io-2020-10-rss.xml"),
        },
        fetch={"timeout": 1.5, "connect_timeout": 1},
    )
    started = time.perf_counter()
    report = await poll(svc, force=True)
    assert time.perf_counter() - started < 20  # generous: the hang costs its timeout, not more
    outcomes = {f.feed: f for f in report.feeds}
    assert (
        outcomes["Hangs"].status == "failed" and outcomes["Hangs"].error == "timed out after 1.5 s"
    )
    assert outcomes["Lenta.ru"].status == "ok" and outcomes["Meduza"].status == "ok"
    assert rows(_db(tmp_path), "SELECT count(*) FROM items")[0][0] == LENTA_ITEMS + 30
    health = {h.name: h for h in await list_feed_health(svc.store)}
    assert (
        health["Hangs"].status == "failing"
        and health["Hangs"].last_error == "timed out after 1.5 s"
    )
    assert health["Lenta.ru"].items_seen == LENTA_ITEMS
    # What the scorer learnt from every item is saved by the cycle's end (a restart keeps it).
    (saved_docs,) = rows(_db(tmp_path), "SELECT n FROM doc_freq WHERE token = ''")[0]
    assert saved_docs == svc.scorer.df.docs >= LENTA_ITEMS + 30  # type: ignore[attr-defined]


async def test_304_costs_no_parsing(
    make_services: MakeServices, feed_server: FeedServer, tmp_path: Path
) -> None:
    svc = make_services({"Lenta.ru": feed_server.url("lenta-ru-2022-12-rss.xml")})
    calls: list[str] = []
    real_run_cpu = svc.run_cpu

    async def counting(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(fn.__name__)
        return await real_run_cpu(fn, *args, **kwargs)

    async def cycle() -> CycleReport:
        feeds = await svc.store.run(svc.store.feeds.active)
        return await run_cycle(
            feeds,
            fetcher=svc.fetcher,
            parse=pool_parse(counting, svc.lexicon_terms),
            sink=svc.sink(),
            policy=svc.poll_policy,
            clock=svc.clock,
        )

    await cycle()
    assert calls == ["parse_and_normalize"]
    report = await cycle()
    assert [f.status for f in report.feeds] == ["not modified"]
    assert calls == ["parse_and_normalize"]
    assert feed_server.conditional_hits["/feeds/lenta-ru-2022-12-rss.xml"] == 1
    (health,) = await list_feed_health(svc.store)
    assert health.status == "ok" and health.items_seen == LENTA_ITEMS


async def test_failing_feed_backs_off_and_recovers_by_itself(
    make_services: MakeServices, feed_server: FeedServer, tmp_path: Path
) -> None:
    clock = FixedClock(NOW)
    url = feed_server.flapping("/flaps", "meduza-io-2020-10-rss.xml", failures=2)
    svc = make_services(
        {"Flaps": url, "Lenta.ru": feed_server.url("lenta-ru-2022-12-rss.xml")},
        clock=clock,
        fetch={"backoff_base_minutes": 30, "backoff_max_minutes": 600},
    )

    await poll(svc)
    health = {h.name: h for h in await list_feed_health(svc.store)}
    flaps = health["Flaps"]
    assert flaps.consecutive_failures == 1 and flaps.last_error == "HTTP 500 Internal Server Error"
    assert flaps.next_poll_at is not None
    first_wait = flaps.next_poll_at - NOW
    assert timedelta(minutes=24) <= first_wait <= timedelta(minutes=36)  # 30 min ± 20 % jitter

    clock.advance(minutes=20)  # the healthy feed is due (15 min), the failing one is not
    await poll(svc)
    assert feed_server.hits["/flaps"] == 1

    clock.advance(minutes=20)
    await poll(svc)
    flaps = {h.name: h for h in await list_feed_health(svc.store)}["Flaps"]
    assert flaps.consecutive_failures == 2
    assert flaps.next_poll_at is not None
    assert timedelta(minutes=48) <= flaps.next_poll_at - clock.now() <= timedelta(minutes=72)

    clock.advance(minutes=75)
    await poll(svc)
    flaps = {h.name: h for h in await list_feed_health(svc.store)}["Flaps"]
    assert feed_server.hits["/flaps"] == 3
    assert flaps.status == "ok" and flaps.consecutive_failures == 0 and flaps.last_error is None
    assert flaps.items_seen == 30
    assert flaps.next_poll_at == clock.now() + timedelta(minutes=15)


async def test_retry_after_is_a_floor_on_the_next_poll(
    make_services: MakeServices, feed_server: FeedServer
) -> None:
    svc = make_services(
        {
            "Busy": feed_server.retry_after("/busy", 429, "7200"),
            "Down": feed_server.retry_after("/down", 503, "60"),
        }
    )
    report = await poll(svc)
    assert {f.feed: f.error for f in report.feeds} == {
        "Busy": "HTTP 429 Too Many Requests; asked to retry after 2.0 h",
        "Down": "HTTP 503 Service Unavailable; asked to retry after 60 s",
    }
    health = {h.name: h for h in await list_feed_health(svc.store)}
    busy_next = health["Busy"].next_poll_at
    down_next = health["Down"].next_poll_at
    assert busy_next is not None and busy_next - NOW >= timedelta(hours=2)
    # 60 s is less than the first backoff step (5 min ± 20 %), so backoff decides.
    assert down_next is not None and down_next - NOW >= timedelta(minutes=4)


async def test_permanent_redirect_updates_the_stored_url_and_survives_a_restart(
    make_services: MakeServices, feed_server: FeedServer, tmp_path: Path
) -> None:
    target = feed_server.url("meduza-io-2020-10-rss.xml")
    old = feed_server.redirect("/old-meduza", target, 301)
    temporary = feed_server.redirect(
        "/lenta-mirror", feed_server.url("lenta-ru-2022-12-rss.xml"), 302
    )
    svc = make_services({"Meduza": old, "Lenta mirror": temporary})
    await poll(svc, force=True)
    urls = dict(rows(_db(tmp_path), "SELECT name, url FROM feeds"))
    assert urls == {"Meduza": target, "Lenta mirror": temporary}
    await svc.aclose()

    again = make_services({"Meduza": old, "Lenta mirror": temporary})  # same config, restarted
    assert rows(_db(tmp_path), "SELECT count(*), sum(active) FROM feeds")[0] == (2, 2)
    report = await poll(again, force=True)
    assert {f.feed: f.status for f in report.feeds} == {
        "Meduza": "not modified",
        "Lenta mirror": "not modified",
    }
    assert feed_server.hits["/old-meduza"] == 1  # the moved feed is fetched at its new address


async def test_redirect_loop_fails_the_feed_only(
    make_services: MakeServices, feed_server: FeedServer
) -> None:
    svc = make_services(
        {
            "Loop": feed_server.redirect_loop("/loop"),
            "Meduza": feed_server.url("meduza-io-2020-10-rss.xml"),
        }
    )
    report = await poll(svc, force=True)
    outcomes = {f.feed: f for f in report.feeds}
    assert (outcomes["Loop"].error or "").startswith("redirect loop:")
    assert outcomes["Meduza"].status == "ok" and outcomes["Meduza"].items == 30


async def test_huge_body_fails_with_a_clear_reason(
    make_services: MakeServices, feed_server: FeedServer
) -> None:
    svc = make_services(
        {"Huge": feed_server.huge("/huge"), "Meduza": feed_server.url("meduza-io-2020-10-rss.xml")},
        fetch={"max_body_bytes": 2 * 1024 * 1024},
    )
    report = await poll(svc, force=True)
    outcomes = {f.feed: f for f in report.feeds}
    assert outcomes["Huge"].error == "response larger than 2 MiB; download aborted"
    assert outcomes["Meduza"].status == "ok"


async def test_not_well_formed_feeds_give_what_can_be_recovered(
    make_services: MakeServices, feed_server: FeedServer, tmp_path: Path
) -> None:
    svc = make_services(
        {
            "Kagi (blank line before prolog)": feed_server.url(
                "kagifeedback-leading-blank-line-atom.xml"
            ),
            "OSM (truncated)": feed_server.url("openstreetmap-pl-truncated-rss.xml"),
            "Reuters (server error page)": feed_server.url(
                "reuters-mostread-2020-truncated-malformed-rss.xml"
            ),
            "HTML page": feed_server.page(
                "/page", b"<!DOCTYPE html><html><body><p>Welcome</p></body></html>"
            ),
        }
    )
    await poll(svc, force=True)
    health = {h.name: h for h in await list_feed_health(svc.store)}
    kagi = health["Kagi (blank line before prolog)"]
    assert kagi.status == "ok" and kagi.items_seen == 35
    assert (
        kagi.bozo_reason
        == "not well-formed XML (line 3: XML or text declaration not at start of entity)"
    )
    osm = health["OSM (truncated)"]
    assert osm.status == "ok" and osm.items_seen == 8
    assert osm.bozo_reason == "not well-formed XML (line 281: unclosed CDATA section)"
    reuters = health["Reuters (server error page)"]
    assert reuters.status == "failing"
    assert (
        reuters.last_error == "not a usable feed: not well-formed XML (line 19: no element found)"
    )
    assert health["HTML page"].last_error == "not a usable feed: an HTML page, not a feed"
    titles = [t for (t,) in rows(tmp_path / "tjwatch.db", "SELECT title FROM items")]
    assert any(t.startswith("Cyfrowy Kanon Krajoznawczy Polski będzie") for t in titles)


async def test_same_article_in_two_feeds_is_stored_once_with_both_sources(
    make_services: MakeServices, feed_server: FeedServer, feed_root: Path, tmp_path: Path
) -> None:
    shutil.copy(HOSTILE / "aggregator-rt-items-other-tracking-rss.xml", feed_root)
    svc = make_services(
        {
            "RT": feed_server.url("rt-com-news-2021-06-rss.xml"),
            "Aggregator": feed_server.url("aggregator-rt-items-other-tracking-rss.xml"),
        }
    )
    report = await poll(svc, force=True)
    assert report.new_items == 3
    stored = rows(
        _db(tmp_path),
        """
        SELECT i.url, i.guid, group_concat(f.name, ',') FROM items i
        JOIN item_sources s ON s.item_id = i.id JOIN feeds f ON f.id = s.feed_id
        GROUP BY i.id ORDER BY i.url""",
    )
    assert len(stored) == 3
    for url, guid, sources in stored:
        assert url.startswith("https://www.rt.com/news/") and "?" not in url  # utm_*, fbclid gone
        assert guid.startswith("https://www.rt.com/news/")  # the first feed's guid is recorded
        assert sorted(sources.split(",")) == ["Aggregator", "RT"]


async def test_cyrillic_encodings_are_decoded(
    make_services: MakeServices, feed_server: FeedServer, feed_root: Path, tmp_path: Path
) -> None:
    for name in ("windows1251-no-prolog-rss.xml", "utf8-bom-rss.xml"):
        shutil.copy(HOSTILE / name, feed_root)
    shutil.copy(HOSTILE / "windows1251-no-prolog-rss.xml", feed_root / "cp1251-undeclared.xml")
    svc = make_services(
        {
            "oren.ru (windows-1251 prolog)": feed_server.url("oren-ru-windows1251-yandex-rss.xml"),
            "ibash (windows-1251 prolog)": feed_server.url("ibash-org-ru-2018-windows1251-rss.xml"),
            "koi8-r, undeclared": feed_server.serve_as(
                "feedparser-test-koi8r-undeclared-russian-rss.xml", "text/xml"
            ),
            "windows-1251, HTTP charset only": feed_server.serve_as(
                "windows1251-no-prolog-rss.xml", "application/rss+xml; charset=windows-1251"
            ),
            "windows-1251, undeclared": feed_server.serve_as(
                "cp1251-undeclared.xml", "application/rss+xml"
            ),
            "UTF-8 with BOM": feed_server.url("utf8-bom-rss.xml"),
        }
    )
    report = await poll(svc, force=True)
    assert not report.failed, report.failed

    def titles(feed: str) -> str:
        return "\n".join(
            t
            for (t,) in rows(
                _db(tmp_path),
                """
            SELECT i.title || ' ' || i.summary FROM items i JOIN item_sources s ON s.item_id = i.id
            JOIN feeds f ON f.id = s.feed_id WHERE f.name = ?""",
                feed,
            )
        )

    assert "В Бузулуке главные стройплощадки" in titles("oren.ru (windows-1251 prolog)")
    assert "Цитата #17703" in titles("ibash (windows-1251 prolog)")
    koi8 = titles("koi8-r, undeclared")
    assert "Как пережить новогоднюю ночь" in koi8 and "Новый год обязательно наступит" in koi8
    for feed in ("windows-1251, HTTP charset only", "windows-1251, undeclared"):
        assert "Путин и Рахмон поговорили о русском" in titles(feed), feed
    assert "Эмомалӣ Раҳмон дар ҷашни Рӯзи ғалабаи Маскав иштирок мекунад" in titles(
        "UTF-8 with BOM"
    )
    health = {h.name: h for h in await list_feed_health(svc.store)}
    assert health["koi8-r, undeclared"].bozo_reason == "no encoding declared; detected koi8-r"
    langs = dict(rows(_db(tmp_path), "SELECT title, lang FROM items"))
    assert langs["Как пережить новогоднюю ночь"] == "ru"


async def test_user_feed_on_a_private_address_is_not_polled(
    make_services: MakeServices, feed_server: FeedServer, tmp_path: Path
) -> None:
    svc = make_services({}, fetch={"allow_private_addresses": False})
    url = feed_server.url("meduza-io-2020-10-rss.xml")
    # Stored as a run-time feed (as if added while the config allowed it); now it is not allowed.
    await svc.store.run(svc.store.feeds.add, "Sneaky", url, None, NOW)
    report = await poll(svc, force=True)
    (outcome,) = report.feeds
    assert outcome.status == "failed" and "loopback or private network address" in (
        outcome.error or ""
    )
    assert feed_server.hits["/feeds/meduza-io-2020-10-rss.xml"] == 0


async def test_the_event_loop_stays_responsive_during_a_large_poll(
    make_services: MakeServices, feed_server: FeedServer
) -> None:
    # Parsing these inline takes seconds (Thoughtworks alone: 1,687 items, ~2.5 s here); in the
    # worker processes the loop keeps ticking. The bound is generous on purpose.
    svc = make_services(
        {
            "Thoughtworks": feed_server.url("thoughtworks-insights-large-javadate-rss.xml"),
            "NSHipster": feed_server.url("nshipster-large-fullcontent-emoji-rss.xml"),
            "Lenta.ru": feed_server.url("lenta-ru-2022-12-rss.xml"),
        }
    )
    gaps: list[float] = []
    done = False

    async def heartbeat() -> None:
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.02)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(heartbeat())
    report = await poll(svc, force=True)
    done = True
    await ticker
    assert report.new_items == 1687 + 25 + LENTA_ITEMS
    assert max(gaps) < 1.0, f"the event loop stalled for {max(gaps):.2f} s"


def _kill_worker() -> None:
    import os

    os._exit(1)  # what an OOM kill or a crashing C extension looks like from the pool's side


async def test_a_dead_parser_process_does_not_break_later_polls(
    make_services: MakeServices, feed_server: FeedServer
) -> None:
    from concurrent.futures.process import BrokenProcessPool

    svc = make_services({"Meduza": feed_server.url("meduza-io-2020-10-rss.xml")})
    with pytest.raises(BrokenProcessPool):
        await svc.cpu.in_pool(_kill_worker)
    report = await poll(svc, force=True)
    assert [(f.status, f.items) for f in report.feeds] == [("ok", 30)]
