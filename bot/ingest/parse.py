"""Parsing feed bytes with feedparser. Pure and picklable, so it can run in a process pool.

feedparser gets the raw bytes together with the response headers, so that the charset in
``Content-Type`` and the XML prolog both take part in decoding (windows-1251, koi8-r, BOM).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import feedparser

from bot.models import ParsedFeed, RawEntry

# Exceptions feedparser records that still leave usable entries (it recovered), versus a body
# that is no feed at all.
_HARMLESS = ("CharacterEncodingOverride", "NonXMLContentType")


def parse_feed(content: bytes, headers: Mapping[str, str] | None = None, base_url: str | None = None) -> ParsedFeed:
    response_headers = dict(headers or {})
    if base_url:
        response_headers.setdefault("content-location", base_url)
    parsed: Any = feedparser.parse(
        content, response_headers=response_headers, sanitize_html=True, resolve_relative_uris=True
    )
    entries = tuple(_entry(e) for e in parsed.entries if _has_content(e))
    bozo_reason = None
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        bozo_reason = f"{type(exc).__name__}: {exc}" if exc is not None else "not well-formed"
    feed = parsed.get("feed", {})
    is_feed = bool(entries) or bool(feed.get("title")) or parsed.get("version")
    fatal = not entries and bozo_reason is not None and not _harmless(bozo_reason)
    if not is_feed and bozo_reason is None:
        bozo_reason = "not a feed (no RSS or Atom elements found)"
        fatal = True
    return ParsedFeed(
        title=_text(feed.get("title")),
        lang=_text(feed.get("language")) or None,
        entries=entries,
        bozo_reason=bozo_reason[:300] if bozo_reason else None,
        fatal=fatal,
    )


def _harmless(reason: str) -> bool:
    return reason.startswith(_HARMLESS)


def _has_content(entry: Any) -> bool:
    # PCMag's nested empty <item/> turns into phantom entries with nothing in them.
    return bool(entry.get("title") or entry.get("link") or entry.get("summary"))


def _entry(entry: Any) -> RawEntry:
    content = ""
    if entry.get("content"):
        content = max((c.get("value", "") for c in entry["content"]), key=len, default="")
    # Plain dict lookups: FeedParserDict maps a missing "published" onto "updated" with a
    # DeprecationWarning (feedparser issue 310); we choose the fallback ourselves.
    published = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    return RawEntry(
        guid=_text(entry.get("id")) or None,
        link=_text(entry.get("link")) or None,
        title=_text(entry.get("title")),
        summary=_text(entry.get("summary")),
        content=content,
        published=tuple(published)[:6] if published else None,
        published_raw=_text(dict.get(entry, "published") or dict.get(entry, "updated")) or None,
        author=_text(entry.get("author")) or None,
    )


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
