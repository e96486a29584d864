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
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from bot.clock import Clock, SystemClock
from bot.delivery.outbox import Outbox
from bot.ingest.cpu import CpuRunners
from bot.ingest.cycle import Parse, PollPolicy, pool_parse
from bot.ingest.fetch import Fetcher
from bot.ingest.fulltext import FullText, add_full_text, no_full_text
from bot.ingest.sink import BatchSink
from bot.malloc import give_back, limit_arenas
from bot.metrics import Metrics
from bot.models import Item
from bot.relevance.active import ActiveScorer
from bot.relevance.added_seeds import with_seeds
from bot.relevance.build import build_seed_scorer, keyword_rules, lexicon_terms
from bot.relevance.reading import LexiconTerms, forget_words, lexicon_ready
from bot.relevance.seed_scorer import SeedScorer
from bot.relevance.similarity import DocumentFrequencies
from bot.relevance.stories import StoryGrouper
from bot.relevance.terms import KeywordRules
from bot.seed_admin import SeedAdmin, load_added
from bot.settings import Settings
from bot.subscriptions import follow_ups, threshold
from storage import CACHE_KIB, SMALL_CACHE_KIB, Store, open_store

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
    cpu: CpuRunners
    clock: Clock = field(default_factory=SystemClock)
    metrics: Metrics = field(default_factory=Metrics)
    # Held by a poll cycle for its whole run and by retention for one batch at a time: a batch
    # never deletes a report between the cycle's look-up and its write, and a cycle waits for
    # one batch at most.
    cycle_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> Services:
        """Open the database and build the pipeline's parts (nothing touches the network yet).

        A deployment of a few feeds (too few for the parse workers, ``bot.ingest.cpu``) writes a
        few hundred items a cycle, and keeps SQLite's own page cache rather than the large one.
        """
        workers = settings.file.fetch.parse_workers
        cpu = CpuRunners(
            workers or os.cpu_count() or 1, fixed=workers > 0, preload=_fork_server_preload()
        )
        large = cpu.wants_pool(len(settings.file.feeds))
        store = open_store(
            settings.database_path, cache_kib=CACHE_KIB if large else SMALL_CACHE_KIB
        )
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
            cpu=cpu,
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
        """Feeds parsed where ``run_cpu`` runs (the worker processes, or this process)."""
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
        """Run CPU-bound work (feed parsing) off the event loop: in the worker processes when
        they run (``ready_for``), else in a thread of this process (``bot.ingest.cpu``)."""
        return await self.cpu.run(fn, *args, **kwargs)

    async def start_workers(self) -> None:
        """Prepare this process for serving, and start the parse workers now, rather than in the
        first poll cycle, when its feeds are enough to need them (``ready_for``).

        Limits the C allocator's arenas (``bot.malloc``) before the threads that work on a
        cycle start. Shortens this process's GIL switch interval (``SWITCH_INTERVAL_S``): while the
        scoring thread runs Python, every other thread (the event loop fetching feeds, the
        pool's result thread handing parsed feeds over) waits up to the interval each time it
        wants the GIL back after I/O, and a poll cycle's I/O is thousands of such waits.

        And settles the garbage collector (``GC_THRESHOLD``): what is loaded by now (modules,
        vocabulary, seeds, settings) is frozen out of its collections, and young objects are
        collected less often: a cycle's items live as long as their batch, and at the default
        thresholds they are traversed again and again as they age. Nearly all of them are
        freed by reference counting, not by the collector, so memory stays as it was.
        """
        limit_arenas()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLD)
        await self.ready_for(len(await self.store.run(self.store.feeds.active)))

    async def ready_for(self, feeds: int) -> None:
        """Before a cycle of ``feeds`` feeds: start the worker processes if it is large enough
        to repay them and they are not running (the fork server loads the parsers and the
        language model, and each worker builds its vocabulary)."""
        if self.cpu.pool_running or not self.cpu.wants_pool(feeds):
            return
        terms = self.lexicon_terms
        await asyncio.gather(
            *(self.cpu.in_pool(lexicon_ready, terms) for _ in range(self.cpu.workers))
        )

    def after_cycle(self) -> None:
        """After a poll cycle: a cycle parsed in this process leaves its words behind
        (``forget_words``), and the memory its bodies and items took goes back to the system
        (``bot.malloc``)."""
        if not self.cpu.pool_running:
            forget_words()
        give_back()

    def after_pruning(self) -> None:
        """After a pruning pass: the garbage with reference cycles is collected (with
        ``GC_THRESHOLD`` a full collection would otherwise wait for days, a cycle's items being
        nearly all freed by reference counting), and what the pass's rows, the index merge and
        the collection freed goes back to the system (``bot.malloc``). The collection traverses
        only what is not frozen, a few milliseconds once an interval."""
        gc.collect()
        give_back()

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
        """How many feeds are parsed at a time: one per worker process, or one in this one."""
        return self.cpu.slots

    async def aclose(self) -> None:
        await self.fetcher.aclose()
        self.cpu.close()
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
