"""Pure: the latest stories as an Atom 1.0 feed (feedgen) and as a JSON Feed 1.1 document.

One entry per story, newest report first, identified and linked by its page in the web archive
(``FeedLinks.story``), so that a feed reader shows a story once and marks it updated when the
story gains reports (``updated`` / ``date_modified`` is its latest report). The article itself is
a ``related`` link (Atom) or ``external_url`` (JSON Feed), only when it is http(s).

Feed-provided strings reach feedgen as text (lxml escapes them) and JSON as strings; characters
XML 1.0 forbids are dropped first, or lxml would refuse the whole feed for one bad headline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from feedgen.feed import FeedGenerator

from bot.digest.story import StoryEntry

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_FEED_TYPE = "application/feed+json; charset=utf-8"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_KINDS = {"same_story": "the seeds' story", "new_development": "new development"}


@dataclass(frozen=True, slots=True)
class FeedLinks:
    """Where the feed and the archive's pages are, as readers reach them."""

    home: str
    feed: str
    story: Callable[[str], str]
    """A story's page, by its key (with the reader's token, when it came in the URL)."""
    story_id: Callable[[str], str]
    """A story's permanent id: its page's address without a token."""


def clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def http_url(url: str | None) -> str | None:
    """The article's link when it is http(s); anything else (javascript:, data:) is left out."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return clean(url.strip())
    return None


def entry_text(entry: StoryEntry) -> str:
    """The entry's body as plain text: summary line, what is new, and its facts."""
    lines = [entry.summary] if entry.summary else []
    if entry.whats_new:
        lines.append(f"What is new: {entry.whats_new}")
    facts = [f"relevance {entry.score:.2f}", f"{entry.reports} report(s)"]
    if entry.kind in _KINDS:
        facts.append(_KINDS[entry.kind])
    lines.append(" · ".join(facts))
    if entry.sources:
        lines.append("Sources: " + ", ".join(entry.sources))
    if entry.langs:
        lines.append("Languages: " + ", ".join(entry.langs))
    return clean("\n".join(lines))


def _tags(entry: StoryEntry) -> list[str]:
    return [*([_KINDS[entry.kind]] if entry.kind in _KINDS else []), *entry.langs]


def render_atom(
    entries: Sequence[StoryEntry], links: FeedLinks, *, title: str, now: datetime
) -> bytes:
    feed = FeedGenerator()
    feed.id(links.home)
    feed.title(clean(title))
    feed.author({"name": "tjwatch"})
    feed.link(href=links.feed, rel="self", type="application/atom+xml")
    feed.link(href=links.home, rel="alternate", type="text/html")
    feed.generator("tjwatch")
    feed.updated(max((e.last_seen for e in entries), default=now))
    for entry in entries:
        page = links.story(entry.key)
        item = feed.add_entry(order="append")
        item.id(links.story_id(entry.key))
        item.title(clean(entry.headline) or "—")
        item.link(href=page, rel="alternate", type="text/html")
        article = http_url(entry.url)
        if article:
            item.link(href=article, rel="related", type="text/html")
        item.published(entry.first_seen)
        item.updated(entry.last_seen)
        item.summary(clean(entry.summary) or None)
        item.content(entry_text(entry), type="text")
        for source in entry.sources:
            item.contributor({"name": clean(source)})
        for tag in _tags(entry):
            item.category(term=clean(tag))
    data: bytes = feed.atom_str(pretty=True)
    return data


def render_json_feed(
    entries: Sequence[StoryEntry], links: FeedLinks, *, title: str, now: datetime
) -> str:
    items = []
    for entry in entries:
        page = links.story(entry.key)
        item = {
            "id": links.story_id(entry.key),
            "url": page,
            "title": entry.headline,
            "summary": entry.summary,
            "content_text": entry_text(entry),
            "date_published": entry.first_seen.isoformat(),
            "date_modified": entry.last_seen.isoformat(),
            "authors": [{"name": s} for s in entry.sources],
            "tags": _tags(entry),
            "language": entry.langs[0] if len(entry.langs) == 1 else None,
            "external_url": http_url(entry.url),
            "_tjwatch": {
                "story": entry.key,
                "relevance": round(entry.score, 3),
                "kind": entry.kind,
                "whats_new": entry.whats_new,
                "reports": entry.reports,
                "sources": list(entry.sources),
                "languages": list(entry.langs),
            },
        }
        items.append({k: v for k, v in item.items() if v is not None})
    document = {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": links.home,
        "feed_url": links.feed,
        "description": f"{title}: stories, newest report first",
        "authors": [{"name": "tjwatch"}],
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False, indent=1)
