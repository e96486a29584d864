"""Full text: matching items get their article page's main text before they are scored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.ingest.cycle import run_cycle
from bot.ingest.fulltext import extract_main_text
from bot.ingest.sink import BatchSink
from bot.jobs import poll
from bot.models import Item, Verdict
from bot.relevance.active import ActiveScorer
from bot.relevance.reading import Reading
from bot.relevance.scorer import Scorer
from tests.ingest.conftest import HOSTILE, MakeServices, rows
from tests.support.feed_server import FeedServer

ARTICLE = (HOSTILE / "article-ng-russia-tajikistan.html").read_bytes()


class _Recording:
    """The real scorer, remembering the items it was given (to check it saw the full text)."""

    def __init__(self, inner: Scorer) -> None:
        self.inner = inner
        self.seen: dict[str, Item] = {}
        self.readings: dict[str, Reading | None] = {}

    def __getattr__(self, name: str) -> Any:  # the rest (features, df) as the real scorer's
        return getattr(self.inner, name)

    def score(self, item: Item, reading: Reading | None = None) -> Verdict:
        self.seen[item.title] = item
        self.readings[item.title] = reading
        return self.inner.score(item, reading)


def _serve_fulltext_feed(server: FeedServer, feed_root: Path) -> str:
    text = (HOSTILE / "fulltext-feed-rss.xml").read_text("utf-8").replace("{base}", server.base)
    (feed_root / "fulltext-feed-rss.xml").write_text(text, "utf-8")
    server.page("/articles/ng-russia-tajikistan.html", ARTICLE)
    server.page("/articles/weather.html", b"<html><body><p>Rain.</p></body></html>")
    return server.url("fulltext-feed-rss.xml")


@pytest.mark.asyncio
async def test_matching_items_get_the_article_text_before_scoring(
    make_services: MakeServices, feed_server: FeedServer, feed_root: Path, tmp_path: Path
) -> None:
    svc = make_services(
        {"NG": _serve_fulltext_feed(feed_server, feed_root)}, fetch={"fulltext": True}
    )
    recorder = _Recording(svc.scorer)
    sink = BatchSink(
        store=svc.store,
        scoring=ActiveScorer(recorder),  # type: ignore[arg-type]
        grouper=svc.grouper,
        full_text=svc.full_text(),
        clock=svc.clock,
        parse_workers=svc.parse_workers(),
    )
    feeds = await svc.store.run(svc.store.feeds.active)
    report = await run_cycle(
        feeds,
        fetcher=svc.fetcher,
        parse=svc.parse,
        sink=sink,
        policy=svc.poll_policy,
        clock=svc.clock,
    )

    assert report.fulltext.wanted == 2 and report.fulltext.fetched == 1
    assert report.fulltext.failed[0][1] == "HTTP 404 Not Found"
    title = "Russia offers Tajikistan investment projects in energy and mining of rare earth metals"
    (text,) = rows(tmp_path / "tjwatch.db", "SELECT text FROM items WHERE title = ?", title)[0]
    assert "Stanislav Pritchin, Head of the Central Asia Sector of the IMEMO RAS" in text
    assert "\n" in text  # paragraphs kept
    for noise in (
        "SCRIPT-SHOULD-NOT-APPEAR",
        "NAVIGATION-SHOULD-NOT-APPEAR",
        "FOOTER-SHOULD-NOT-APPEAR",
    ):
        assert noise not in text
    assert recorder.seen[title].text == text  # the scorer saw it
    # and read it itself: the parse worker's reading was of the feed's short summary
    assert recorder.readings[title] is None
    assert all(r is not None for t, r in recorder.readings.items() if t != title)
    # A failed page leaves the feed's summary; an item that does not match is not fetched.
    missing = rows(
        tmp_path / "tjwatch.db",
        "SELECT text, summary FROM items WHERE title LIKE 'Rahmon and Putin%'",
    )
    assert missing == [(None, "The presidents of Russia and Tajikistan discussed migration.")]
    assert feed_server.hits["/articles/missing.html"] == 1
    assert feed_server.hits["/articles/weather.html"] == 0
    assert feed_server.hits["/articles/ng-russia-tajikistan.html"] == 1

    await poll(svc, force=True)  # known items are never fetched again
    assert feed_server.hits["/articles/ng-russia-tajikistan.html"] == 1


@pytest.mark.asyncio
async def test_fulltext_can_be_switched_off(
    make_services: MakeServices, feed_server: FeedServer, feed_root: Path, tmp_path: Path
) -> None:
    svc = make_services(
        {"NG": _serve_fulltext_feed(feed_server, feed_root)}, fetch={"fulltext": False}
    )
    await poll(svc, force=True)
    assert feed_server.hits["/articles/ng-russia-tajikistan.html"] == 0
    assert (
        rows(tmp_path / "tjwatch.db", "SELECT count(*) FROM items WHERE text IS NOT NULL")[0][0]
        == 0
    )


@pytest.mark.asyncio
async def test_article_pages_on_private_addresses_are_refused_unless_allowed(
    make_services: MakeServices, feed_server: FeedServer, feed_root: Path
) -> None:
    # The feed is configured (so it may be on loopback), but its article links may not be.
    svc = make_services(
        {"NG": _serve_fulltext_feed(feed_server, feed_root)},
        fetch={"allow_private_addresses": False, "fulltext": True},
    )
    report = await poll(svc, force=True)
    assert report.fulltext.fetched == 0 and len(report.fulltext.failed) == 2
    assert all(
        "loopback or private network address" in reason for _, reason in report.fulltext.failed
    )
    assert feed_server.hits["/articles/ng-russia-tajikistan.html"] == 0


def test_extraction_honours_the_declared_charset() -> None:
    page = ARTICLE.decode("utf-8").replace('<meta charset="utf-8">', "")
    page = page.replace("Stanislav Pritchin", "Станислав Притчин")
    text = extract_main_text(
        page.encode("cp1251", errors="replace"),
        "text/html; charset=windows-1251",
        "https://ng.ru/cis/2025-03-17/x.html",
    )
    assert text is not None and "Станислав Притчин" in text
    assert (
        extract_main_text(b"<html><body><p>Too short.</p></body></html>", None, "https://x.org/")
        is None
    )


def test_a_page_extracted_again_in_the_same_process_gives_its_text_again() -> None:
    """The bot of a small deployment extracts every page in its own process: an article an
    admin adds again, or a feed item whose page was a seed, must not come back empty
    (trafilatura drops, process-wide, text it has seen more than twice)."""
    url = "https://www.ng.ru/ng-russia-tajikistan.html"
    texts = [extract_main_text(ARTICLE, "text/html; charset=utf-8", url) for _ in range(4)]
    assert texts[0] is not None and "IMEMO RAS" in texts[0]
    assert texts[1:] == [texts[0]] * 3
