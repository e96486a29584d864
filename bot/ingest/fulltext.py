"""Full text for the items that matter: fetch the article page once and extract its main text.

Only items whose title and summary pass the keyword rules are fetched, so a poll of hundreds of
items costs a handful of page fetches. The page comes through the same ``Fetcher`` (the same
overall and per-host limits, timeouts, body cap and address policy); trafilatura extracts the
main text in a worker process, since it is CPU work. Any failure leaves the feed's summary.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.models import FetchStatus, Item

if TYPE_CHECKING:
    from bot.relevance.terms import KeywordRules
    from bot.services import Services

log = logging.getLogger(__name__)

# A feed that already carries this much text of an item (content:encoded, rbc:full-text) gave us
# the article; fetching the page would only add navigation.
FEED_TEXT_ENOUGH = 1500
# Less than this from the extractor is a cookie wall or a teaser, not the article.
MIN_EXTRACTED = 200


@dataclass(frozen=True, slots=True)
class FullTextReport:
    wanted: int = 0
    fetched: int = 0
    failed: tuple[tuple[str, str], ...] = ()
    """(url, reason) for each page that gave no text."""


def wants_full_text(item: Item, matched: bool) -> bool:
    return matched and item.url is not None and len(item.text or "") < FEED_TEXT_ENOUGH


async def add_full_text(
    services: Services, items: Sequence[Item]
) -> tuple[list[Item], FullTextReport]:
    """The items, with ``text`` filled from the article page for those that pass the rules."""
    settings = services.settings.file.fetch
    if not settings.fulltext or not items:
        return list(items), FullTextReport()
    # Matching stems every title and summary: CPU work, so not on the event loop.
    wanted = await asyncio.to_thread(_wanted, services.rules, items)
    if not wanted:
        return list(items), FullTextReport()
    limit = asyncio.Semaphore(settings.fulltext_concurrency)
    public_only = not settings.allow_private_addresses

    async def one(item: Item) -> tuple[str | None, str | None]:
        async with limit:
            return await _article_text(services, item, public_only=public_only)

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


def _wanted(rules: KeywordRules, items: Sequence[Item]) -> list[int]:
    return [
        i
        for i, item in enumerate(items)
        if wants_full_text(item, rules.match(item.title, item.summary).matched)
    ]


async def _article_text(
    services: Services, item: Item, *, public_only: bool
) -> tuple[str | None, str | None]:
    assert item.url is not None
    result = await services.fetcher.fetch_page(item.url, public_only=public_only)
    if result.status is not FetchStatus.OK:
        log.info("full text of %s not fetched: %s", item.url, result.error)
        return None, result.error
    try:
        text = await services.run_cpu(
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
    """The article's main text (paragraphs kept), or None. Pure; runs in a worker process."""
    import trafilatura

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
        deduplicate=True,
    )
    if not text or len(text.strip()) < MIN_EXTRACTED:
        return None
    return str(text).strip()


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip().strip('"')
    return None
