"""Jobs, written as plain ``async def job(services)`` so both runners can call them.

In Telegram mode python-telegram-bot's JobQueue runs them; in console mode a bare APScheduler
``AsyncIOScheduler`` does (an ``Application`` cannot start without a reachable Bot API). A job is
an entry point: it takes the composition root and hands each stage the parts it uses.
"""

from __future__ import annotations

import logging

from bot.delivery.channel import Channel
from bot.health import cycle_finished
from bot.ingest.cycle import CycleReport, run_cycle
from bot.retention import PruneReport, RetentionPolicy
from bot.retention import prune as prune_store
from bot.services import Services
from storage import ChatRecord

log = logging.getLogger(__name__)


async def poll(services: Services, *, force: bool = False) -> CycleReport:
    """One poll cycle over the feeds that are due (every active feed with ``force``), recorded
    in the metrics and as the health check's last finished cycle."""
    store, clock = services.store, services.clock
    if force:
        feeds = await store.run(store.feeds.active)
    else:
        feeds = await store.run(store.feeds.due, clock.now())
    await services.ready_for(len(feeds))
    async with services.cycle_lock:
        report = await run_cycle(
            feeds,
            fetcher=services.fetcher,
            parse=services.parse,
            sink=services.sink(),
            policy=services.poll_policy,
            clock=clock,
        )
    services.metrics.observe_cycle(report)
    await cycle_finished(store, clock.now())
    services.after_cycle()
    return report


async def poll_job(services: Services) -> CycleReport | None:
    """One poll cycle; an unexpected error is logged and the next run tries again."""
    try:
        return await poll(services)
    except Exception:
        log.exception("poll cycle failed unexpectedly; will retry at the next interval")
        return None


async def digest_job(services: Services, channel: Channel, chat: ChatRecord) -> None:
    try:
        await services.outbox.deliver(channel, chat)
    except Exception:
        log.exception("digest for chat %s failed unexpectedly", chat.id)


async def prune(services: Services) -> PruneReport:
    """One pruning pass as ``[retention]`` says (``bot.retention``), in short transactions."""
    policy = RetentionPolicy.from_settings(services.settings.file.retention)
    report = await prune_store(
        services.store,
        policy,
        now=services.clock.now(),
        stories_deleted=services.grouper.reset,
        turn=services.cycle_lock,
    )
    services.after_pruning()
    log.info(
        "pruned %d unmatched (%d kept as traces) and %d matched items, %d stories;"
        " forgot %d traces and %d tombstones",
        report.unmatched,
        report.traces_kept,
        report.matched,
        report.stories,
        report.traces_forgotten,
        report.tombstones_forgotten,
        extra={
            "fields": {
                "unmatched": report.unmatched,
                "traces_kept": report.traces_kept,
                "traces_forgotten": report.traces_forgotten,
                "matched": report.matched,
                "stories": report.stories,
                "batches": report.batches,
                "longest_batch_s": round(report.longest_batch_s, 3),
                "longest_step_s": round(report.longest_step_s, 3),
                "seconds": round(report.seconds, 3),
            }
        },
    )
    return report


async def prune_job(services: Services) -> PruneReport | None:
    """One pruning pass; an unexpected error is logged and the next run tries again."""
    try:
        return await prune(services)
    except Exception:
        log.exception("pruning failed unexpectedly; will retry at the next interval")
        return None
