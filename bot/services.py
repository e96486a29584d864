"""The composition root: everything the CLI, the scheduler and the bots use, built from Settings.

No module keeps globals; whoever needs the store, the fetcher or the scorer is handed ``Services``.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from bot.clock import Clock, SystemClock
from bot.delivery.digest_cache import DigestCache
from bot.ingest.fetch import Fetcher
from bot.ingest.worker import ignore_interrupts
from bot.metrics import Metrics
from bot.relevance.added_seeds import load_added, with_seeds
from bot.relevance.build import build_seed_scorer, keyword_rules, lexicon_terms
from bot.relevance.reading import LexiconTerms, lexicon_ready
from bot.relevance.scorer import Scorer
from bot.relevance.similarity import DocumentFrequencies
from bot.relevance.stories import StoryGrouper
from bot.relevance.terms import KeywordRules
from bot.settings import Settings
from storage import Store, open_store

PRELOAD_MODULE = "bot.ingest.preload"
SWITCH_INTERVAL_S = 0.0005
# The bot's garbage collector: a collection of young objects once 50,000 more are alive (Python's
# default is 700), an older generation's after 20, a full collection's after 10 of those.
GC_THRESHOLD = (50_000, 20, 10)
P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    store: Store
    fetcher: Fetcher
    scorer: Scorer
    rules: KeywordRules
    clock: Clock = field(default_factory=SystemClock)
    metrics: Metrics = field(default_factory=Metrics)
    stories: StoryGrouper | None = None
    digests: DigestCache = field(default_factory=DigestCache)
    _cpu_pool: Executor | None = None
    _chat_locks: dict[int, asyncio.Lock] = field(default_factory=dict)

    def chat_lock(self, chat_id: int) -> asyncio.Lock:
        """One lock per chat, so that a scheduled digest and /digest never send the same items."""
        return self._chat_locks.setdefault(chat_id, asyncio.Lock())

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> Services:
        """Open the database and build the pipeline's parts (nothing touches the network yet)."""
        store = open_store(settings.database_path)
        rules = keyword_rules(settings)
        # The seed scorer keeps learning document frequencies; they were saved by the last run.
        scorer = build_seed_scorer(settings, DocumentFrequencies(*store.doc_freq.load()))
        scorer = with_seeds(scorer, load_added(store))  # seeds an admin added (/addseed)
        services = cls(
            settings=settings,
            store=store,
            fetcher=Fetcher(settings.file.fetch),
            scorer=scorer,
            rules=rules,
            clock=clock or SystemClock(),
            stories=StoryGrouper(scorer, store, settings.file.thresholds.story_grouping),
        )
        services.sync_feeds()
        return services

    def sync_feeds(self) -> None:
        self.store.feeds.sync_configured(
            [(f.name, str(f.url), f.lang, f.interval) for f in self.settings.file.feeds],
            self.clock.now(),
        )

    async def run_cpu(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run CPU-bound work (feed parsing) in worker processes, off the event loop.

        feedparser is pure Python: threads would not run it in parallel, processes do.
        """
        if self._cpu_pool is None:
            workers = self.parse_workers()
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_fork_server_preload())
            self._cpu_pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=ignore_interrupts
            )
        loop = asyncio.get_running_loop()
        pool = self._cpu_pool
        try:
            return await loop.run_in_executor(pool, functools.partial(fn, *args, **kwargs))
        except BrokenProcessPool:
            # A worker died (killed for memory, or a C extension crashed on hostile input):
            # the next call starts a fresh pool instead of failing for ever.
            if self._cpu_pool is pool:
                self._cpu_pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise

    async def start_workers(self) -> None:
        """Start the parse workers now rather than in the first poll cycle: the fork server
        loads the parsers and the language model, and each worker builds its vocabulary.

        Also shortens this process's GIL switch interval (5 ms → 0.5 ms): while the scoring
        thread runs Python, every other thread (the event loop fetching feeds, the pool's
        result thread handing parsed feeds over) waits up to that long each time it wants the
        GIL back after I/O, and a poll cycle's I/O is thousands of such waits.

        And settles the garbage collector (``GC_THRESHOLD``): what is loaded by now (modules,
        vocabulary, seeds, settings) is frozen out of its collections, and young objects are
        collected less often. A cycle's items live as long as their batch, so at the default
        thresholds they were traversed again and again as they aged: 0.7-1 s of a 500-feed
        cycle, an eighth of this process's time; now under 0.1 s. Nearly all of them are freed
        by reference counting, not by the collector, so memory stays as it was.
        """
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLD)
        terms = self.lexicon_terms
        await asyncio.gather(
            *(self.run_cpu(lexicon_ready, terms) for _ in range(self.parse_workers()))
        )

    @functools.cached_property
    def lexicon_terms(self) -> LexiconTerms:
        """The config's words for the lexicon, as the parse workers receive them."""
        return lexicon_terms(self.settings)

    def parse_workers(self) -> int:
        """How many parse worker processes: the config's number, else one per core."""
        return self.settings.file.fetch.parse_workers or os.cpu_count() or 1

    async def aclose(self) -> None:
        await self.fetcher.aclose()
        if self._cpu_pool is not None:
            self._cpu_pool.shutdown(wait=True, cancel_futures=True)
            self._cpu_pool = None
        self.store.close()

    async def __aenter__(self) -> Services:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()


def _fork_server_preload() -> list[str]:
    """Modules the fork server imports once: every worker forked from it starts with them.

    ``__main__`` is the default (for ``tjwatch``, the CLI: a worker would otherwise re-import
    it); ``bot.ingest.preload`` brings the parse worker's modules and the language model, whose
    pages the workers then share.
    """
    return ["__main__", PRELOAD_MODULE]
