"""Parsing feed bytes with feedparser. Pure and picklable, so it can run in a process pool.

feedparser gets the raw bytes together with the response headers, so that the charset in
``Content-Type`` and the XML prolog both take part in decoding (windows-1251, koi8-r, BOM). When
neither declares anything and the bytes are not UTF-8, feedparser falls back to windows-1252 or
ISO-8859-1; for Cyrillic bytes that is mojibake, so we sniff Cyrillic code pages ourselves first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import feedparser

from bot.ingest.text import html_to_text, one_line
from bot.models import ParsedFeed, RawEntry

# feedparser's notes that still leave a correctly read feed behind.
_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
# Code pages we trust a statistical guess for; anything else stays with feedparser's choice
# (charset-normalizer calls ISO-8859-1 French text cp1250, for one).
_CYRILLIC = {"koi8_r", "koi8_u", "cp1251", "cp866", "iso8859_5", "mac_cyrillic"}
_PROLOG_ENCODING = re.compile(rb"<\?xml[^>]*encoding\s*=", re.I)
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)[\s>]", re.I | re.S)


def parse_feed(content: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """The feed's entries as feedparser reads them. Relative links stay relative here:
    ``normalize`` resolves them against the feed's URL: given a base URL, feedparser would join
    every link-like element with ``urljoin``, where tjwatch needs only the entry's link."""
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    note = None
    encoding = _sniff_cyrillic(content) if _undeclared(content, response_headers) else None
    if encoding:
        content = content.decode(encoding, errors="replace").encode("utf-8")
        response_headers["content-type"] = "application/xml; charset=utf-8"
        note = f"no encoding declared; detected {encoding.replace('_', '-')}"
    parsed = _parse(content, response_headers)
    if not note and isinstance(parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride):
        # A wrong declaration (utf-8 claimed, windows-1251 sent): feedparser fell back to cp1252.
        encoding = _sniff_cyrillic(content)
        if encoding:
            content = content.decode(encoding, errors="replace").encode("utf-8")
            parsed = _parse(
                content, {**response_headers, "content-type": "application/xml; charset=utf-8"}
            )
            note = f"wrong encoding declared; detected {encoding.replace('_', '-')}"
    entries = tuple(_entry(e) for e in parsed.entries if _has_content(e))
    exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
    reason = note or (describe_bozo(exc) if exc is not None else None)
    feed = parsed.get("feed", {})
    looks_like_feed = bool(entries or feed.get("title") or parsed.get("version"))
    fatal = False
    if not entries:
        if exc is not None and not isinstance(exc, _HARMLESS):
            fatal = True
        elif not looks_like_feed:
            fatal = True
            reason = (
                "an HTML page, not a feed"
                if _HTML_START.match(content[:2048])
                else "not a feed (no RSS or Atom elements found)"
            )
    return ParsedFeed(
        title=one_line(html_to_text(_text(feed.get("title")))) or None,
        lang=_text(feed.get("language")) or None,
        entries=entries,
        bozo_reason=reason[:300] if reason else None,
        fatal=fatal,
    )


def describe_bozo(exc: BaseException) -> str:
    """feedparser's complaint in a short human sentence."""
    if hasattr(exc, "getLineNumber") and hasattr(exc, "getMessage"):
        return f"not well-formed XML (line {exc.getLineNumber()}: {exc.getMessage()})"
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        return f"wrong or missing encoding declaration ({exc})"
    if isinstance(exc, feedparser.NonXMLContentType):
        return f"served with a non-XML content type ({exc})"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _parse(content: bytes, headers: dict[str, str]) -> Any:
    """feedparser without its two HTML passes, which are nearly half its time and which tjwatch
    does not need: every title and body becomes plain text (``bot.ingest.text``: scripts, styles
    and all markup dropped; nothing from a feed is ever shown as HTML), and the only links kept
    are the entries' own, which ``normalize`` resolves."""
    return feedparser.parse(
        content, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )


def _undeclared(content: bytes, headers: Mapping[str, str]) -> bool:
    """No charset in Content-Type, no BOM, no encoding in the XML prolog, and not UTF-8."""
    if "charset=" in headers.get("content-type", "").lower():
        return False
    if content.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return False
    if _PROLOG_ENCODING.search(content[:512]):
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _sniff_cyrillic(content: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(content[:200_000]).best()
    return best.encoding if best is not None and best.encoding in _CYRILLIC else None


def _has_content(entry: Any) -> bool:
    # PCMag's nested empty <item/> turns into phantom entries with nothing in them.
    return bool(entry.get("title") or entry.get("link") or entry.get("summary"))


def _entry(entry: Any) -> RawEntry:
    content = ""
    if entry.get("content"):
        content = _text(max((c.get("value", "") for c in entry["content"]), key=len, default=""))
    # Plain dict lookups: FeedParserDict maps a missing "published" onto "updated" with a
    # DeprecationWarning (feedparser issue 310); we choose the fallback ourselves.
    published = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    # An aggregator's entry names the outlet it carries: RSS 2.0 <source url="…">Outlet</source>
    # (Google News), or Atom's <source> with the original feed's title.
    source = dict.get(entry, "source")
    if not isinstance(source, dict):
        source = {}
    publisher = _text(dict.get(source, "title"))
    return RawEntry(
        guid=_text(entry.get("id")) or None,
        link=_text(entry.get("link")) or None,
        title=_text(entry.get("title")),
        summary=_text(entry.get("summary")),
        content=content,
        published=tuple(published)[:6] if published else None,
        published_raw=_text(dict.get(entry, "published") or dict.get(entry, "updated")) or None,
        author=_text(entry.get("author")) or None,
        publisher=publisher or None,
        publisher_url=(_text(dict.get(source, "href")) or None) if publisher else None,
    )


def _text(value: Any) -> str:
    """A feed's string, without NUL characters: XML forbids them, but the lenient parser lets a
    broken feed's through, and no text means anything by one (storage cannot keep them)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else ""
