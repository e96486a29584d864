"""Adding seeds at run time (admin ``/addseed``): fetch the page, keep the seed, score with it.

The added seeds are kept in the database (``state`` key ``added_seeds``, a JSON list), so they
survive a restart and are in every backup; the composition root adds them to the configured
seeds at start (``load_added``). Adding one swaps the ``ActiveScorer``'s scorer for one that knows
it, so the next poll compares items with it at once. What a seed is, and when one is refused, is
pure (``bot.relevance.added_seeds``); this module does the I/O around it.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.ingest.cpu import RunCpu
from bot.ingest.fetch import Fetcher
from bot.ingest.fulltext import extract_main_text, page_title
from bot.models import FetchStatus
from bot.relevance.active import ActiveScorer
from bot.relevance.added_seeds import (
    AddedSeed,
    AddSeedResult,
    SeedRefused,
    encode_added,
    is_url,
    parse_added,
    pasted_seed,
    refusal,
    with_seeds,
)
from storage import Store

STATE_KEY = "added_seeds"


def load_added(store: Store) -> list[AddedSeed]:
    """The added seeds, oldest first (call on the store's thread)."""
    return parse_added(store.state.get(STATE_KEY))


class SeedAdmin:
    """``/addseed`` and ``/seeds``' list of added seeds."""

    def __init__(
        self,
        *,
        store: Store,
        fetcher: Fetcher,
        run_cpu: RunCpu,
        scoring: ActiveScorer,
        clock: Clock,
        public_only: bool,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._run_cpu = run_cpu
        self._scoring = scoring
        self._clock = clock
        self._public_only = public_only

    async def add(self, source: str) -> AddSeedResult:
        """Add an article (URL, or pasted text whose first line is the headline) as a seed."""
        source = source.strip()
        made = (
            await self._from_url(source)
            if is_url(source)
            else pasted_seed(source, now=self._clock.now())
        )
        if isinstance(made, SeedRefused):
            return AddSeedResult(refused=made)
        store = self._store
        added = await store.run(load_added, store)
        scorer = self._scoring.scorer
        refused = refusal(made, added, {s.name for s in scorer.seeds})
        if refused is not None:
            return AddSeedResult(made if refused.code == "already" else None, refused)
        await store.run(store.state.set, STATE_KEY, encode_added([*added, made]))
        self._scoring.scorer = with_seeds(scorer, [made])
        return AddSeedResult(made)

    async def added(self) -> list[AddedSeed]:
        return await self._store.run(load_added, self._store)

    async def _from_url(self, url: str) -> AddedSeed | SeedRefused:
        result = await self._fetcher.fetch_page(url, public_only=self._public_only)
        if result.status is not FetchStatus.OK:
            return SeedRefused("fetch_failed", result.error or "no answer")
        final = result.final_url or url
        content_type = result.headers.get("content-type")
        text = await self._run_cpu(extract_main_text, result.content, content_type, final)
        if text is None:
            return SeedRefused("no_text")
        title = await self._run_cpu(page_title, result.content)
        return pasted_seed(text, now=self._clock.now(), url=url, title=title)
