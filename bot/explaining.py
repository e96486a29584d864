"""Why a stored item got its verdict: ``tjwatch explain`` and the bot's ``/why``.

Reads the item from the store and explains it with the scorer in use
(``bot.relevance.explain.explain``, pure, rescoring without learning).

Both take what people copy from the other commands (issue 24): a number is a story, as
``summary``, ``/summary`` and digests show it (``15``, ``story_15``, ``/story_15``), and stands
for the story's first report; anything else is an item's ID (20 hexadecimal characters, as
``poll --once``, ``digest``, ``/latest`` and ``/search`` show it) or its address. A story
number has at most 18 digits and an item's ID always 20 characters, so the two cannot be
confused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.models import Item
from bot.relevance.explain import Explanation, explain
from bot.relevance.seed_scorer import SeedScorer
from storage import Store, StoredItem

STORY_KEY = re.compile(r"^(?:/?story_)?(\d{1,18})$")


@dataclass(frozen=True, slots=True)
class Target:
    """What a key named: an item, or a story through its first report."""

    item: StoredItem
    story_id: int | None = None
    """The story number when the key was one (``item`` is then the story's first report)."""


async def find_target(store: Store, key: str) -> Target | None:
    """The item a key names (see the module docstring); None when nothing stored has it."""
    key = key.strip()
    story = STORY_KEY.match(key)
    if story:
        record = await store.run(store.stories.get, int(story.group(1)))
        lead = record.lead_item_id if record else None
        item = await store.run(store.items.get, lead) if lead else None
        return Target(item, int(story.group(1))) if item else None
    item = await store.run(store.items.get, key)
    if item is not None:
        return Target(item)
    trace = await store.run(store.items.trace, key)
    return Target(trace) if trace else None


async def explain_stored(id_or_url: str, *, store: Store, scorer: SeedScorer) -> Explanation | None:
    """The explanation of a stored item, by id or address; None when there is no such item."""
    stored = await store.run(store.items.get, id_or_url.strip())
    if stored is None:
        return None
    return explain(scorer, item_of(stored), stored.story_id)


def item_of(stored: StoredItem) -> Item:
    """The scorer's view of a stored item."""
    return Item(
        id=stored.id,
        guid=None,
        url=stored.url,
        title=stored.title,
        summary=stored.summary,
        published_at=stored.published_at,
        published_raw=stored.published_at.isoformat() if stored.published_at else None,
        fetched_at=stored.fetched_at,
        lang=stored.lang,
        feed_id=0,
        feed_name=", ".join(stored.sources),
        text=stored.text,
    )
