"""Aggregator feeds (Google News) are read as the outlets they carry (issue 22).

Real parts: the real Google News snapshots in tests/data/feeds, an outlet's own feed beside them
(tests/data/aggregators), the loopback feed server, a real SQLite file, the real poll job.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot import reads
from bot.cli.poll import format_report
from bot.digest.compose import compose_digest
from bot.ingest.cycle import CycleReport, run_cycle
from bot.ingest.fetch import Fetcher
from bot.ingest.fulltext import add_full_text
from bot.ingest.sink import BatchSink
from bot.ingest.worker import parse_and_normalize
from bot.jobs import poll
from bot.models import FetchResult, Item
from bot.render.plain import render_plain
from bot.services import Services
from tests.ingest.conftest import HOSTILE, NOW, MakeServices, rows
from tests.support.feed_server import FeedServer

DATA = Path(__file__).parents[1] / "data"
SNAPSHOT = "google-news-search-bears-ears-2026-rss.xml"
TOP_STORIES = "google-news-topstories-2019-11-rss.xml"
OUTLET = DATA / "aggregators" / "deseret-news-own-feed-rss.xml"
GOOGLE = "Google News: Bears Ears"
JOINED = "Trump signs executive order shrinking 2 national monuments in Utah"
OUTLET_LINK = "https://www.deseret.com/politics/2026/07/13/trump-executive-order-shrinks-bears-ears-grand-staircase/"


def _items(file: str) -> dict[tuple[str, str], Item]:
    """A snapshot's items by (headline, source): syndicated articles share a headline."""
    parsed = parse_and_normalize(
        (DATA / "feeds" / file).read_bytes(),
        {"content-type": "application/rss+xml"},
        feed_id=1,
        feed_name=GOOGLE,
        feed_url="https://news.google.com/rss/search?q=%22Bears+Ears%22+monument",
        feed_lang=None,
        fetched_at=NOW,
    )
    return {(i.title, i.source): i for i in parsed.items}


def test_google_news_snapshot_is_read_as_the_outlets_it_carries() -> None:
    items = _items(SNAPSHOT)
    post = items["Trump again shrinks two national monuments in Utah", "The Washington Post"]
    assert post.publisher_url == "https://www.washingtonpost.com"
    assert post.feed_name == GOOGLE  # the feed it came through is kept
    assert post.url is not None and urlsplit(post.url).hostname == "news.google.com"
    assert post.aggregator_link
    # A dash of the headline's own stays; only the publisher's suffix goes.
    again = "President Trump shrinks Bears Ears and Grand Staircase-Escalante — again"
    assert (again, "Utah News Dispatch") in items and (again, "KPVI") in items
    # Google News gives "San Juan Record |": the suffix goes, and the name reads clean.
    record = "President Trump signs proclamation reducing Bears Ears Monument to 121,100 acres"
    assert (record, "San Juan Record") in items
    assert (JOINED, "Deseret News") in items
    # No headline keeps its publisher's suffix.
    assert not [t for t, source in items if t.endswith(f" - {source}")]

    top = _items(TOP_STORIES)
    court = "Court Rejects Trump’s Appeal in Fight to Keep Financial Records From Congress"
    assert (court, "The New York Times") in top
    live = "Live updates: Trump asserts ‘normal people’ would close the case on his impeachment"
    assert (live, "The Washington Post") in top
    assert not [t for t, source in top if t.endswith(f" - {source}")]


def test_an_outlets_own_feed_is_not_an_aggregator() -> None:
    parsed = parse_and_normalize(
        OUTLET.read_bytes(),
        {},
        feed_id=2,
        feed_name="Deseret News",
        feed_url="https://www.deseret.com/arc/outboundfeeds/rss/",
        feed_lang=None,
        fetched_at=NOW,
    )
    own = {i.title: i for i in parsed.items}[JOINED]
    assert own.publisher is None and own.source == "Deseret News" and not own.aggregator_link
    assert own.report_key == _items(SNAPSHOT)[JOINED, "Deseret News"].report_key


def _serve(feed_server: FeedServer, feed_root: Path) -> dict[str, str]:
    shutil.copy(OUTLET, feed_root / OUTLET.name)
    return {GOOGLE: feed_server.url(SNAPSHOT), "Deseret News": feed_server.url(OUTLET.name)}


def _reports(db: Path, title: str) -> list[tuple[str, str]]:
    return rows(db, "SELECT id, url FROM items WHERE title = ?", title)


def _sources(db: Path, item_id: str) -> set[tuple[str, str | None]]:
    sql = (
        "SELECT f.name, s.publisher FROM item_sources s JOIN feeds f ON f.id = s.feed_id"
        " WHERE s.item_id = ?"
    )
    return set(rows(db, sql, item_id))


async def _poll(make_services: MakeServices, feeds: dict[str, str]) -> Services:
    """A bot started on the test's database, one forced poll, stopped: a restart each time."""
    svc = make_services(feeds)
    await poll(svc, force=True)
    await svc.aclose()
    return svc


async def _assert_one_report(make_services: MakeServices, feeds: dict[str, str], db: Path) -> None:
    ((report_id, url),) = _reports(db, JOINED)
    assert url == OUTLET_LINK  # the outlet's own link, the one people click
    assert _sources(db, report_id) == {(GOOGLE, "Deseret News"), ("Deseret News", None)}
    svc = make_services(feeds)
    stored = await svc.store.run(svc.store.items.get, report_id)
    assert stored is not None and stored.sources == ("Deseret News",)
    # Not joined: a headline that merely shares words, one more than two days apart, and
    # another outlet's headline (AP's, syndicated by ten outlets) in this outlet's feed.
    _assert_apart(db, JOINED + ", tribes vow to sue", google=0)
    _assert_apart(db, "President Trump expected to reduce the size of Utah monuments", google=1)
    ap = "Trump reduces size of 2 national monuments in Utah as Republicans reshape land management"
    _assert_apart(db, ap, google=10)


def _assert_apart(db: Path, title: str, *, google: int) -> None:
    """The outlet's item with this headline is a report of its own, and so is each of the
    ``google`` Google News items with it."""
    reports = _reports(db, title)
    own = [i for i, url in reports if urlsplit(url).hostname == "www.deseret.com"]
    assert len(own) == 1 and _sources(db, own[0]) == {("Deseret News", None)}
    others = [i for i, _ in reports if i not in own]
    assert len(others) == google
    assert all({f for f, _ in _sources(db, i)} == {GOOGLE} for i in others)


@pytest.mark.asyncio
async def test_aggregator_first_then_the_outlets_own_item_is_one_report(
    make_services: MakeServices, feed_server: FeedServer, feed_root: Path, tmp_path: Path
) -> None:
    feeds = _serve(feed_server, feed_root)
    db = tmp_path / "tjwatch.db"
    await _poll(make_services, {GOOGLE: feeds[GOOGLE]})
    ((_, url),) = _reports(db, JOINED)
    assert urlsplit(url).hostname == "news.google.com"  # nothing better known yet
    await _poll(make_services, feeds)
    await _assert_one_report(make_services, feeds, db)
    await _poll(make_services, feeds)  # a later cycle: still one report, no new source
    await _assert_one_report(make_services, feeds, db)


@pytest.mark.asyncio
async def test_the_outlets_own_item_first_then_the_aggregators_is_one_report(
    make_services: MakeServices, feed_server: FeedServer, feed_root: Path, tmp_path: Path
) -> None:
    feeds = _serve(feed_server, feed_root)
    db = tmp_path / "tjwatch.db"
    await _poll(make_services, {"Deseret News": feeds["Deseret News"]})
    await _poll(make_services, feeds)
    await _assert_one_report(make_services, feeds, db)
    await _poll(make_services, feeds)
    await _assert_one_report(make_services, feeds, db)


@pytest.mark.asyncio
async def test_both_in_one_cycle_are_one_report(
    make_services: MakeServices, feed_server: FeedServer, feed_root: Path, tmp_path: Path
) -> None:
    feeds = _serve(feed_server, feed_root)  # Google News listed first
    db = tmp_path / "tjwatch.db"
    await _poll(make_services, feeds)
    await _assert_one_report(make_services, feeds, db)
    await _poll(make_services, feeds)
    await _assert_one_report(make_services, feeds, db)


class _RecordingFetcher(Fetcher):
    """The real fetcher, remembering every article page asked for."""

    pages: list[str]

    async def fetch_page(self, url: str, *, public_only: bool = False) -> FetchResult:
        self.pages.append(url)
        return await super().fetch_page(url, public_only=public_only)


def _serve_google_and_outlet(feed_server: FeedServer, feed_root: Path) -> dict[str, str]:
    """A Google News feed whose <source> is the loopback server, and that outlet's own feed."""
    for name in ("google-news-loopback-outlet-rss.xml",):
        text = (DATA / "aggregators" / name).read_text("utf-8")
        (feed_root / name).write_text(text.replace("{base}", feed_server.base), "utf-8")
    text = (
        (HOSTILE / "fulltext-feed-rss.xml").read_text("utf-8").replace("{base}", feed_server.base)
    )
    (feed_root / "fulltext-feed-rss.xml").write_text(text, "utf-8")
    feed_server.page(
        "/articles/ng-russia-tajikistan.html",
        (HOSTILE / "article-ng-russia-tajikistan.html").read_bytes(),
    )
    return {
        "Google News: Tajikistan": feed_server.url("google-news-loopback-outlet-rss.xml"),
        "Loopback Outlet": feed_server.url("fulltext-feed-rss.xml"),
    }


async def _cycle_recording_pages(svc: Services) -> tuple[list[str], CycleReport]:
    fetcher = _RecordingFetcher(svc.settings.file.fetch)
    fetcher.pages = []
    full_text = functools.partial(
        add_full_text,
        fetcher=fetcher,
        gate=svc.keyword_gate,
        run_cpu=svc.run_cpu,
        concurrency=2,
        public_only=False,
    )
    sink = BatchSink(
        store=svc.store,
        scoring=svc.scoring,
        grouper=svc.grouper,
        full_text=full_text,
        clock=svc.clock,
        parse_workers=svc.parse_workers(),
    )
    feeds = await svc.store.run(svc.store.feeds.active)
    try:
        report = await run_cycle(
            feeds,
            fetcher=svc.fetcher,
            parse=svc.parse,
            sink=sink,
            policy=svc.poll_policy,
            clock=svc.clock,
        )
    finally:
        await fetcher.aclose()
    return fetcher.pages, report


@pytest.mark.asyncio
async def test_no_full_text_is_fetched_from_google_news(
    make_services: MakeServices, feed_server: FeedServer, feed_root: Path, tmp_path: Path
) -> None:
    feeds = _serve_google_and_outlet(feed_server, feed_root)
    google = {"Google News: Tajikistan": feeds["Google News: Tajikistan"]}
    svc = make_services(google, fetch={"fulltext": True})
    pages, report = await _cycle_recording_pages(svc)
    # Both Google News items match the keyword rules; neither link is ever fetched.
    assert report.fulltext.wanted == 0 and pages == []
    assert feed_server.hits["/articles/ng-russia-tajikistan.html"] == 0

    # What the reader sees names the outlet, never the Google News feed: `tjwatch poll`, the
    # digest (console), /latest and /search.
    assert len(report.matched) == 2
    shown = format_report(report)
    assert "Loopback Outlet" in shown and "Google News" not in shown
    latest = await reads.latest(svc.store, 10)
    assert [i.sources for i in latest] == [("Loopback Outlet",)] * 2
    found = await reads.search(svc.store, "Rahmon Putin")
    assert found and found[0].sources == ("Loopback Outlet",)
    digest = render_plain(compose_digest(latest, now=NOW))
    assert "Loopback Outlet" in digest and "Google News" not in digest
    assert " - Loopback Outlet" not in digest


@pytest.mark.asyncio
async def test_a_joined_reports_full_text_comes_from_the_outlets_own_link(
    make_services: MakeServices, feed_server: FeedServer, feed_root: Path, tmp_path: Path
) -> None:
    feeds = _serve_google_and_outlet(feed_server, feed_root)
    svc = make_services(feeds, fetch={"fulltext": True})
    pages, _ = await _cycle_recording_pages(svc)
    assert pages and not [p for p in pages if "google" in (urlsplit(p).hostname or "")]
    assert feed_server.hits["/articles/ng-russia-tajikistan.html"] == 1
    title = "Russia offers Tajikistan investment projects in energy and mining of rare earth metals"
    ((report_id, url, text),) = rows(
        tmp_path / "tjwatch.db", "SELECT id, url, text FROM items WHERE title = ?", title
    )
    assert url == f"{feed_server.base}/articles/ng-russia-tajikistan.html"
    assert "Stanislav Pritchin" in text
    assert _sources(tmp_path / "tjwatch.db", report_id) == {
        ("Google News: Tajikistan", "Loopback Outlet"),
        ("Loopback Outlet", None),
    }


def _one(feed: bytes) -> Item:
    (item,) = parse_and_normalize(
        feed,
        {},
        feed_id=3,
        feed_name="Planet",
        feed_url="https://planet.example/atom.xml",
        feed_lang="en",
        fetched_at=NOW,
    ).items
    return item


def test_a_source_without_a_link_decides_by_the_entrys_link() -> None:
    # Atom's <source> (a planet re-publishing entries) names the original feed; the entry links
    # to the outlet's own page, which may be fetched.
    atom = _one(
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Planet</title><entry>'
        b"<title>Talks in Dushanbe</title><id>urn:x:1</id>"
        b'<link href="https://outlet.example/talks"/><updated>2026-07-13T10:00:00Z</updated>'
        b"<source><title>Outlet Daily</title></source></entry></feed>"
    )
    assert atom.source == "Outlet Daily" and not atom.aggregator_link
    # An RSS <source> without its url, on a news.google.com link: the link is the aggregator's.
    rss = _one(
        b'<rss version="2.0"><channel><title>G</title><item>'
        b"<title>Talks in Dushanbe - Outlet Daily</title>"
        b"<link>https://news.google.com/rss/articles/CBMi-x?oc=5</link>"
        b"<source>Outlet Daily</source></item></channel></rss>"
    )
    assert rss.title == "Talks in Dushanbe" and rss.source == "Outlet Daily"
    assert rss.aggregator_link
