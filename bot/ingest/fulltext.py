"""Full text for the items that matter: fetch the article page once and extract its main text.

Only items that pass the gate (the keyword rules on title and summary) are fetched, so a poll of
hundreds of items costs a handful of page fetches. The page comes through the same ``Fetcher``
(the same overall and per-host limits, timeouts, body cap and address policy); trafilatura
extracts the main text in a worker process (``run_cpu``), since it is CPU work. Any failure
leaves the feed's summary.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from bot.ingest.cpu import RunCpu
from bot.ingest.fetch import Fetcher
from bot.ingest.reports import AGGREGATOR_HOSTS
from bot.models import FetchStatus, Item

log = logging.getLogger(__name__)

# A feed that already carries this much text of an item (content:encoded, rbc:full-text) gave us
# the article; fetching the page would only add navigation.
FEED_TEXT_ENOUGH = 1500
# Less than this from the extractor is a cookie wall or a teaser, not the article.
MIN_EXTRACTED = 200
# Distinct segments (paragraphs, list items) of one page that the repetition check remembers.
PAGE_SEGMENTS = 4096


@dataclass(frozen=True, slots=True)
class FullTextReport:
    wanted: int = 0
    fetched: int = 0
    failed: tuple[tuple[str, str], ...] = ()
    """(url, reason) for each page that gave no text."""


def wants_full_text(item: Item, matched: bool) -> bool:
    """A matching item without enough text, whose link is the outlet's own: an aggregator's
    redirect (Google News) stays the link people click and is never fetched."""
    if not matched or item.url is None or len(item.text or "") >= FEED_TEXT_ENOUGH:
        return False
    return not item.aggregator_link and urlsplit(item.url).hostname not in AGGREGATOR_HOSTS


# The sink's view of ``add_full_text``: the items in, the items with their text and a report out.
FullText = Callable[[Sequence[Item]], Awaitable[tuple[list[Item], FullTextReport]]]


async def add_full_text(
    items: Sequence[Item],
    *,
    fetcher: Fetcher,
    gate: Callable[[Item], bool],
    run_cpu: RunCpu,
    concurrency: int,
    public_only: bool,
) -> tuple[list[Item], FullTextReport]:
    """The items, with ``text`` filled from the article page for those that pass ``gate``.

    ``gate(item)``: whether the item's title and summary match the keyword rules; ``concurrency``:
    pages fetched at a time; ``public_only``: refuse pages on private addresses.
    """
    if not items:
        return list(items), FullTextReport()
    # Matching stems every title and summary: CPU work, so not on the event loop.
    wanted = await asyncio.to_thread(_wanted, gate, items)
    if not wanted:
        return list(items), FullTextReport()
    limit = asyncio.Semaphore(concurrency)

    async def one(item: Item) -> tuple[str | None, str | None]:
        async with limit:
            return await _article_text(fetcher, run_cpu, item, public_only=public_only)

    results = await asyncio.gather(*(one(items[i]) for i in wanted))
    out = list(items)
    failed: list[tuple[str, str]] = []
    for i, (text, error) in zip(wanted, results, strict=True):
        if text:
            out[i] = replace(out[i], text=text)
        else:
            failed.append((out[i].url or "", error or "no text"))
    report = FullTextReport(len(wanted), len(wanted) - len(failed), tuple(failed))
    log.info("full text: %d of %d article pages gave text", report.fetched, report.wanted)
    return out, report


async def no_full_text(items: Sequence[Item]) -> tuple[list[Item], FullTextReport]:
    """``FullText`` when the config turns full text off (``[fetch] fulltext = false``)."""
    return list(items), FullTextReport()


def _wanted(gate: Callable[[Item], bool], items: Sequence[Item]) -> list[int]:
    return [i for i, item in enumerate(items) if wants_full_text(item, gate(item))]


async def _article_text(
    fetcher: Fetcher, run_cpu: RunCpu, item: Item, *, public_only: bool
) -> tuple[str | None, str | None]:
    assert item.url is not None
    result = await fetcher.fetch_page(item.url, public_only=public_only)
    if result.status is not FetchStatus.OK:
        log.info("full text of %s not fetched: %s", item.url, result.error)
        return None, result.error
    try:
        text = await run_cpu(
            extract_main_text,
            result.content,
            result.headers.get("content-type"),
            result.final_url or item.url,
        )
    except Exception as exc:  # a crash in the extractor must not cost the item
        log.warning("full text extraction of %s crashed: %r", item.url, exc)
        return None, f"extraction failed: {type(exc).__name__}"
    if text is None:
        return None, "no main text found on the page"
    return text, None


def extract_main_text(content: bytes, content_type: str | None, url: str) -> str | None:
    """The article's main text (paragraphs kept), or None. Pure; runs in a worker process, or
    in the bot's for a small deployment (``bot.ingest.cpu``).

    Repeated segments are dropped within the page only: with ``deduplicate=True`` trafilatura
    counts segments in one cache for the whole process and drops what it has seen more than
    twice, so a page extracted again in the same process (an article an admin adds as a seed
    again, a feed's item whose page was a seed) came back empty.
    """
    import trafilatura
    from trafilatura.deduplication import LRUCache

    html: str | bytes = content
    charset = _charset(content_type)
    if charset:
        try:
            html = content.decode(charset, errors="replace")
        except LookupError:
            html = content
    text = trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        deduplicate=LRUCache(maxsize=PAGE_SEGMENTS),
    )
    if not text or len(text.strip()) < MIN_EXTRACTED:
        return None
    return str(text).strip()


def page_title(content: bytes) -> str | None:
    """The page's own headline: og:title, else <title>. Pure; runs in a worker process."""
    tree = LexborHTMLParser(content)
    meta = tree.css_first('meta[property="og:title"]')
    value = meta.attributes.get("content") if meta is not None else None
    if not value:
        node = tree.css_first("title")
        value = node.text() if node is not None else None
    return " ".join(value.split()) if value and value.strip() else None


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip().strip('"')
    return None
