"""Where CPU-bound work (parsing feeds, extracting article text) runs off the event loop.

A stage is handed a ``RunCpu`` by name; the composition root owns ``CpuRunners``, which offers
two: the parse worker pool (``in_pool``: processes, since feedparser is pure Python and threads
would not parse in parallel) and one thread of this process (``here``). The pool repays what it
costs only for a cycle with much to parse: its fork server and every worker hold their own
parsers, language model and vocabulary, more than a small deployment's whole bot. So a cycle of
fewer than ``POOL_MIN_FEEDS`` feeds runs its work here, one feed at a time, and a deployment that
never polls that many feeds at once never starts a worker process; a larger cycle starts the pool
(and it stays). A ``parse_workers`` set in the config always uses the pool.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import ParamSpec, Protocol, TypeVar

from bot.ingest import feedparser_fast
from bot.ingest.worker import init_worker

P = ParamSpec("P")
T = TypeVar("T")

# A cycle of this many feeds or more parses in the worker pool; a smaller one in this process.
POOL_MIN_FEEDS = 100


class RunCpu(Protocol):
    async def __call__(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` off the event loop (in a worker process: both must pickle)."""
        ...


class CpuRunners:
    """The worker pool (started on first use) and this process's one parsing thread.

    ``workers``: the pool's size; ``fixed``: the config named it, so every cycle uses the pool;
    ``preload``: the modules the pool's fork server imports once for all its workers.
    """

    def __init__(self, workers: int, *, fixed: bool, preload: Sequence[str]) -> None:
        self.workers = workers
        self.fixed = fixed
        self._preload = list(preload)
        self._pool: Executor | None = None
        self._thread: ThreadPoolExecutor | None = None
        # Once the pool has run, work goes to it for good: a pool broken by a feed that killed
        # its worker is started again, never replaced by this process (the same feed could
        # crash the bot).
        self._pooled = fixed

    @property
    def pool_running(self) -> bool:
        """Whether work goes to the pool (started, or to be started on the next call)."""
        return self._pooled

    def wants_pool(self, feeds: int) -> bool:
        """Whether a cycle of ``feeds`` feeds should start the pool (if it is not running)."""
        return self.fixed or feeds >= POOL_MIN_FEEDS

    @property
    def slots(self) -> int:
        """How many feeds ``run`` works on at a time (each worker's, or the one thread)."""
        return self.workers if self._pooled else 1

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn`` in the pool when it runs (or the config fixed its size), else ``here``."""
        if self._pooled:
            return await self.in_pool(fn, *args, **kwargs)
        return await self.here(fn, *args, **kwargs)

    async def here(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` in this process's one parsing thread (the event loop stays free)."""
        if self._thread is None:
            feedparser_fast.install()  # as a worker does (``init_worker``)
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, functools.partial(fn, *args, **kwargs))

    async def in_pool(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` in a worker process, starting the pool if it is not running."""
        self._pooled = True
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(self._preload)
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=init_worker
            )
        loop = asyncio.get_running_loop()
        pool = self._pool
        try:
            return await loop.run_in_executor(pool, functools.partial(fn, *args, **kwargs))
        except BrokenProcessPool:
            # A worker died (killed for memory, or a C extension crashed on hostile input):
            # the next call starts a fresh pool instead of failing for ever.
            if self._pool is pool:
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._thread is not None:
            self._thread.shutdown(wait=True, cancel_futures=True)
            self._thread = None
