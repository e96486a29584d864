"""The composition root: the pipeline's parts, built once from Settings and owned here.

Only the entry points hold ``Services``: the CLI verbs, the jobs and their schedulers, the
Telegram application and the Slack server. They hand each stage the parts it uses, by name
(``run_cycle(feeds, fetcher=..., parse=..., sink=..., ...)``); no stage takes the root. The root
also owns the few resources with a lifetime (the database, the HTTP sessions, the parse worker
processes: ``aclose``) and the one piece of state that changes while running, the scorer in use
(``scoring``, swapped by ``/addseed``).
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
from bot.delivery.outbox import Outbox
from bot.ingest.cycle import Parse, PollPolicy, pool_parse
from bot.ingest.fetch import Fetcher
from bot.ingest.fulltext import FullText, add_full_text, no_full_text
from bot.ingest.sink import BatchSink
from bot.ingest.worker import init_worker
from bot.metrics import Metrics
from bot.models import Item
from bot.relevance.active import ActiveScorer
from bot.relevance.added_seeds import with_seeds
from bot.relevance.build import build_seed_scorer, keyword_rules, lexicon_terms
from bot.relevance.reading import LexiconTerms, lexicon_ready
from bot.relevance.seed_scorer import SeedScorer
from bot.relevance.similarity import DocumentFrequencies
from bot.relevance.stories import StoryGrouper
from bot.relevance.terms import KeywordRules
from bot.seed_admin import SeedAdmin, load_added
from bot.settings import Settings
from bot.subscriptions import follow_ups, threshold
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
    scoring: ActiveScorer
    rules: KeywordRules
    grouper: StoryGrouper
    clock: Clock = field(default_factory=SystemClock)
    metrics: Metrics = field(default_factory=Metrics)
    # Held by a poll cycle for its whole run and by retention for one batch at a time: a batch
    # never deletes a report between the cycle's look-up and its write, and a cycle waits for
    # one batch at most.
    cycle_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _cpu_pool: Executor | None = None

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
            scoring=ActiveScorer(scorer),
            rules=rules,
            grouper=StoryGrouper(settings.file.thresholds.story_grouping),
            clock=clock or SystemClock(),
        )
        services.sync_feeds()
        return services

    @property
    def scorer(self) -> SeedScorer:
        """The scorer in use now (``scoring.scorer``)."""
        return self.scoring.scorer

    @property
    def poll_policy(self) -> PollPolicy:
        s = self.settings.file
        return PollPolicy(
            interval_minutes=s.schedule.poll_interval_minutes,
            backoff_base_minutes=s.fetch.backoff_base_minutes,
            backoff_max_minutes=s.fetch.backoff_max_minutes,
            allow_private_addresses=s.fetch.allow_private_addresses,
        )

    @property
    def parse(self) -> Parse:
        """Feeds parsed in the worker processes."""
        return pool_parse(self.run_cpu, self.lexicon_terms)

    def full_text(self) -> FullText:
        """The matching items' article pages, when the config asks for them."""
        fetch = self.settings.file.fetch
        if not fetch.fulltext:
            return no_full_text
        return functools.partial(
            add_full_text,
            fetcher=self.fetcher,
            gate=self.keyword_gate,
            run_cpu=self.run_cpu,
            concurrency=fetch.fulltext_concurrency,
            public_only=not fetch.allow_private_addresses,
        )

    def keyword_gate(self, item: Item) -> bool:
        """Whether an item's title and summary pass the keyword rules (the full-text gate)."""
        return self.rules.match(item.title, item.summary).matched

    def sink(self) -> BatchSink:
        """A sink for one poll cycle, storing to the database with the scorer in use."""
        return BatchSink(
            store=self.store,
            scoring=self.scoring,
            grouper=self.grouper,
            full_text=self.full_text(),
            clock=self.clock,
            parse_workers=self.parse_workers(),
        )

    @functools.cached_property
    def seed_admin(self) -> SeedAdmin:
        return SeedAdmin(
            store=self.store,
            fetcher=self.fetcher,
            run_cpu=self.run_cpu,
            scoring=self.scoring,
            clock=self.clock,
            public_only=not self.settings.file.fetch.allow_private_addresses,
        )

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
                max_workers=workers, mp_context=context, initializer=init_worker
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

        Also shortens this process's GIL switch interval (``SWITCH_INTERVAL_S``): while the
        scoring thread runs Python, every other thread (the event loop fetching feeds, the
        pool's result thread handing parsed feeds over) waits up to the interval each time it
        wants the GIL back after I/O, and a poll cycle's I/O is thousands of such waits.

        And settles the garbage collector (``GC_THRESHOLD``): what is loaded by now (modules,
        vocabulary, seeds, settings) is frozen out of its collections, and young objects are
        collected less often: a cycle's items live as long as their batch, and at the default
        thresholds they are traversed again and again as they age. Nearly all of them are
        freed by reference counting, not by the collector, so memory stays as it was.
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
    def outbox(self) -> Outbox:
        """Digest delivery, for every runner and front end (one digest cache, one lock a chat)."""
        relevance = self.settings.file.thresholds.relevance
        return Outbox(
            self.store,
            clock=self.clock,
            threshold=functools.partial(threshold, default=relevance),
            observe=self.metrics.observe_send,
            follow_ups=functools.partial(follow_ups, default=self.settings.file.digest.follow_ups),
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
