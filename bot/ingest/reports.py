"""Pure: one article carried by an aggregator and by its outlet's own feed is one report.

An aggregator (Google News; any feed whose items carry RSS ``<source url="…">Outlet</source>``)
links to the article through its own redirect, so the link that makes an item's id never matches
the outlet's. What the two items share is the outlet and the headline, once the aggregator's
" - Outlet" suffix is gone. ``report_key`` is that pair, hashed; two items with one key, published
within ``SAME_REPORT_WINDOW`` of each other, at least one of them through an aggregator, are one
report. Two items of outlets' own feeds are never joined this way: an outlet that reuses a
headline ("Live: …") on another page means another article.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

# The rule (issue 22): the same headline from the same outlet within two days.
SAME_REPORT_WINDOW = timedelta(days=2)

# Aggregators whose item links are their own redirects, whatever the feed says: such a page is
# never the article (``bot.ingest.fulltext`` never fetches it).
AGGREGATOR_HOSTS = frozenset({"news.google.com"})
# Hyphen-minus, hyphen, figure dash, en dash, em dash, horizontal bar, minus sign, and the
# vertical bar some outlets use ("Headline | Outlet").
_DASHES = "-\u2010\u2012\u2013\u2014\u2015\u2212|"
_BEFORE_SUFFIX = re.compile(rf"\s[{re.escape(_DASHES)}]\s+$")
_HOST_PREFIXES = ("www.", "m.", "amp.", "mobile.")
_NOT_WORD = re.compile(r"[\W_]+")


def strip_publisher(title: str, publisher: str | None) -> str:
    """The headline without the aggregator's " - Publisher" suffix.

    Only a suffix that is the publisher's name is taken off ("Grand Staircase-Escalante — again -
    Utah News Dispatch" keeps its own dash), and never the whole title."""
    name = " ".join((publisher or "").split())
    if not name or len(name) >= len(title) or title[-len(name) :].lower() != name.lower():
        return title
    head = title[: -len(name)]
    match = _BEFORE_SUFFIX.search(head)
    if match is None or not head[: match.start()].strip():
        return title
    return head[: match.start()].rstrip()


def publisher_name(name: str) -> str:
    """The outlet's name as shown: Google News gives some with a stray separator
    ("San Juan Record |")."""
    return name.strip().rstrip(_DASHES).strip() or name.strip()


def outlet_host(url: str | None) -> str | None:
    """The outlet's site from a link: lower-case host without "www." and the like."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix) :]
            break
    return host


def report_key(headline: str, outlet: str | None) -> str | None:
    """The headline and outlet of an article as one short key (None without either)."""
    words = _words(headline)
    if not words or not outlet:
        return None
    return hashlib.sha1(f"{words}|{outlet}".encode()).hexdigest()[:16]


def _words(text: str) -> str:
    """Text compared as words: Unicode-normalised, case-folded, punctuation and quotes dropped
    (one feed's curly quote is another's straight one)."""
    return " ".join(_NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())


@dataclass(slots=True)
class Report:
    """A stored (or about to be stored) report as the matching needs it."""

    id: str
    timeline_at: datetime
    aggregator_link: bool
    """Whether the report's link is still the aggregator's (an outlet's own item may join it)."""


def joins(report: Report, timeline_at: datetime, aggregator_link: bool) -> bool:
    """Whether an item of the same key joins ``report``: within the window, and one of the two
    came through an aggregator (the report still holding the aggregator's link)."""
    close = abs(report.timeline_at - timeline_at) <= SAME_REPORT_WINDOW
    return close and (aggregator_link or report.aggregator_link)


class PendingReports:
    """Reports not yet in the store (this batch's, and the previous batch's being written), by
    key: the store cannot find them yet."""

    def __init__(self) -> None:
        self._by_key: dict[str, list[Report]] = {}

    def find(self, key: str | None, timeline_at: datetime, aggregator_link: bool) -> Report | None:
        for report in self._by_key.get(key, ()) if key else ():
            if joins(report, timeline_at, aggregator_link):
                return report
        return None

    def add(self, key: str | None, report: Report) -> None:
        if key:
            self._by_key.setdefault(key, []).append(report)
