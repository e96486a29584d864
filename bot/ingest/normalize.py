"""Pure normalisation of parsed entries into ``Item``s: ids, links, text, UTC dates, language."""

from __future__ import annotations

import calendar
import functools
import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.ingest.reports import (
    AGGREGATOR_HOSTS,
    outlet_host,
    publisher_name,
    report_key,
    strip_publisher,
)
from bot.ingest.text import html_to_text, one_line
from bot.ingest.urls import article_url
from bot.models import Item, RawEntry

# A date this far past the fetch time is a feed's mistake (or a time zone one), not news from
# the future: the item counts as undated.
_FUTURE_SLACK = timedelta(hours=2)
# The language identifier walks every byte of what it is given; a headline and the start of the
# summary name the language as surely as the whole text, at a fraction of the cost (the check on
# real entries is in benchmarks/NOTES.md).
LANGID_CHARS = 600


def item_id(guid: str | None, link: str | None, title: str, published_raw: str | None) -> str:
    """A stable id: the canonical link where there is one, else the guid, else title and date.

    Issue 3 lists "guid, else canonical link, else a hash"; we put the canonical link first
    because guids are per feed (RT's guid is its URL, an aggregator's is its own token), so
    guid-first would store one article from two feeds twice. The guid is still recorded.
    """
    if link:
        basis = "url:" + link
    elif guid:
        basis = "guid:" + guid
    else:
        basis = "title:" + title + "|" + (published_raw or "")
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()[:20]


def normalize_entry(
    entry: RawEntry,
    *,
    feed_id: int,
    feed_name: str,
    feed_url: str,
    feed_lang: str | None,
    fetched_at: datetime,
) -> Item | None:
    title = one_line(html_to_text(entry.title))
    body_html = entry.content if len(entry.content) > len(entry.summary) else entry.summary
    summary = html_to_text(entry.summary or entry.content)
    text = html_to_text(body_html) if entry.content else None
    if not title and not summary:
        return None
    url = article_url(entry.link, feed_url)
    if not title:
        title = one_line(summary)[:120]
    published = _published(entry.published, fetched_at)
    publisher = one_line(entry.publisher) if entry.publisher else None
    outlet: str | None
    if publisher:
        # An aggregator's item (Google News): the outlet is its source, its headline loses the
        # " - Outlet" suffix, and it is the same report as the outlet's own item (``reports``).
        title = strip_publisher(title, publisher) or title
        link_host = outlet_host(url)
        if entry.publisher_url:
            outlet = outlet_host(entry.publisher_url)
        elif link_host not in AGGREGATOR_HOSTS:
            outlet = link_host  # Atom <source> without a link: the entry links to the outlet
        else:
            outlet = "name:" + publisher.casefold()
        own_link = link_host is not None and link_host == outlet
        publisher = publisher_name(publisher)
    else:
        outlet = outlet_host(url) or outlet_host(feed_url)
        own_link = True
    return Item(
        id=item_id(entry.guid, url, title, entry.published_raw),
        guid=entry.guid,
        url=url,
        title=title,
        summary=summary,
        published_at=published,
        published_raw=entry.published_raw,
        fetched_at=fetched_at,
        lang=language(feed_lang, title + "\n" + summary),
        feed_id=feed_id,
        feed_name=feed_name,
        text=text if text and len(text) > len(summary) else None,
        publisher=publisher,
        publisher_url=entry.publisher_url if publisher else None,
        report_key=report_key(title, outlet),
        aggregator_link=not own_link,
    )


def _published(parsed: tuple[int, ...] | None, fetched_at: datetime) -> datetime | None:
    """The entry's date in UTC, or None when it has none, an impossible one, or one in the
    future (beyond a slack for clocks and time zones) of the fetch."""
    if not parsed:
        return None
    try:
        when = datetime.fromtimestamp(calendar.timegm(parsed + (0,) * (9 - len(parsed))), UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return None if when > fetched_at + _FUTURE_SLACK else when


def language(declared: str | None, text: str) -> str | None:
    """The feed's declared language (``ru-RU`` → ``ru``), else a detection from the text.

    A declaration the text's alphabet contradicts is not believed (feeds of one network share one
    template: a Serbian edition declares ``en``), and the item's language is left unknown rather
    than identified: the identifier's model costs some 67 MB in the process that loads it, and a
    deployment whose feeds all declare their language should never load it for a stray item."""
    if declared:
        code = declared.strip().lower().replace("_", "-").split("-")[0]
        if code.isalpha() and 2 <= len(code) <= 3:
            return None if _script_disagrees(code, text) else code
    if len(text.strip()) < 12:
        return None
    return detect_language(text)


def detect_language(text: str) -> str | None:
    if _looks_tajik(text):
        return "tg"
    lang, prob = language_model().classify(text[:LANGID_CHARS])
    return str(lang) if prob >= 0.3 else None


@functools.cache
def language_model() -> Any:
    """py3langid's identifier, loaded once per process (``bot.ingest.preload`` shares it)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


# Languages written only in Cyrillic, and only in the Latin alphabet, among those the feeds carry.
_CYRILLIC_ONLY = frozenset({"ru", "uk", "be", "bg", "mk", "kk", "ky", "tg", "mn"})
_LATIN_ONLY = frozenset(
    {"en", "fr", "de", "es", "it", "pt", "nl", "pl", "cs", "sk", "tr", "ro", "hu", "sv", "fi"}
)


def _script_disagrees(code: str, text: str) -> bool:
    """True when most of the text's letters are in another alphabet than the language's."""
    letters = [ch for ch in text[:LANGID_CHARS] if ch.isalpha()]
    if len(letters) < 12 or not (code in _CYRILLIC_ONLY or code in _LATIN_ONLY):
        return False
    cyrillic = sum(1 for ch in letters if "\u0400" <= ch <= "\u04ff") / len(letters)
    return cyrillic < 0.2 if code in _CYRILLIC_ONLY else cyrillic > 0.5


_TAJIK_LETTER = re.compile("[ҷҳқғӯӣҶҲҚҒӮӢ]")


def _looks_tajik(text: str) -> bool:
    """Tajik Cyrillic has letters Russian lacks; langid.py often calls Tajik text Russian."""
    first = _TAJIK_LETTER.search(text)
    return first is not None and _TAJIK_LETTER.search(text, first.end()) is not None
