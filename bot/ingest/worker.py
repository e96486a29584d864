"""The CPU-bound half of a feed's poll, run in a worker process: parse, normalise, read.

Kept in its own module with only picklable inputs and outputs, so a process pool can run it.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from datetime import datetime

from bot.ingest import feedparser_fast
from bot.ingest.normalize import normalize_entry
from bot.ingest.parse import parse_feed
from bot.models import Item
from bot.relevance.reading import LexiconTerms, Reading, lexicon_for, read


@dataclass(frozen=True, slots=True)
class ParsedItems:
    items: tuple[Item, ...]
    bozo_reason: str | None
    fatal: bool
    readings: tuple[Reading, ...] = ()
    """Each item as the scorer reads it, in the same order (when the vocabulary was given)."""


def init_worker() -> None:
    """A parse worker's start (the process pool's ``initializer``).

    Ctrl-C in a terminal interrupts the whole foreground process group, and the workers would
    each die with a traceback mid-task: they ignore it, and the bot's process stops them itself.
    The worker parses with ``bot.ingest.feedparser_fast``'s copies of feedparser's methods,
    installed here rather than on import so that importing a module never patches a library.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    feedparser_fast.install()


# In a feed that declares no language, the first this many items are identified one by one; when
# they all agree, the rest take their language as if the feed had declared it (identifying every
# item would be most of the cost of normalising such a feed). A mixed feed keeps per-item
# identification.
LANGUAGE_SAMPLE = 5


def parse_and_normalize(
    content: bytes,
    headers: dict[str, str],
    *,
    feed_id: int,
    feed_name: str,
    feed_url: str,
    feed_lang: str | None,
    fetched_at: datetime,
    terms: LexiconTerms | None = None,
) -> ParsedItems:
    """The feed's items; with ``terms`` (the config's part of the vocabulary) each item is also
    read for the scorer here, in parallel, rather than in the bot's process."""
    parsed = parse_feed(content, headers)
    lang = feed_lang or parsed.lang
    detected: list[str | None] = []
    items: dict[str, Item] = {}
    for entry in parsed.entries:
        item = normalize_entry(
            entry,
            feed_id=feed_id,
            feed_name=feed_name,
            feed_url=feed_url,
            feed_lang=lang,
            fetched_at=fetched_at,
        )
        if item is None:
            continue
        if lang is None:
            detected.append(item.lang)
            if len(detected) == LANGUAGE_SAMPLE and len(set(detected)) == 1:
                lang = detected[0]
        # Lenta.ru repeats GUIDs within one feed: the first occurrence wins.
        if item.id not in items:
            items[item.id] = item
    readings: tuple[Reading, ...] = ()
    if terms is not None:
        lexicon = lexicon_for(terms)
        readings = tuple(read(lexicon, i.title, i.summary, i.text) for i in items.values())
    return ParsedItems(tuple(items.values()), parsed.bozo_reason, parsed.fatal, readings)
