"""Why a stored item got its verdict: ``tjwatch explain`` and the bot's ``/why``.

Reads the item from the store and explains it with the scorer in use
(``bot.relevance.explain.explain``, pure, rescoring without learning).
"""

from __future__ import annotations

from bot.relevance.explain import Explanation, explain, item_of
from bot.relevance.seed_scorer import SeedScorer
from storage import Store


async def explain_stored(id_or_url: str, *, store: Store, scorer: SeedScorer) -> Explanation | None:
    """The explanation of a stored item, by id or address; None when there is no such item."""
    stored = await store.run(store.items.get, id_or_url.strip())
    if stored is None:
        return None
    return explain(scorer, item_of(stored), stored.story_id)
