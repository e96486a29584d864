"""Why a stored item got its verdict: ``tjwatch explain`` and the bot's ``/why``.

Reads the item from the store and explains it with the scorer in use
(``bot.relevance.explain.explain``, pure, rescoring without learning).
"""

from __future__ import annotations

from bot.models import Item
from bot.relevance.explain import Explanation, explain
from bot.relevance.seed_scorer import SeedScorer
from storage import Store, StoredItem


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
