"""Console mode: the scheduled service with no Telegram token, printing digests to stdout."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.channels import configured_channels
from bot.delivery.console_channel import ConsoleChannel
from bot.ingest.cycle import CycleReport
from bot.jobs import digest_job, poll_job, prune_job
from bot.metrics import start_metrics_server
from bot.services import Services
from storage import CONSOLE_CHAT_ID

log = logging.getLogger(__name__)


def nothing_fetched(report: CycleReport, interval_minutes: int) -> str:
    """What the first cycle says when no feed answered: plainly, once, with where to look,
    rather than a warning a feed and then nothing until the next poll."""
    return (
        f"tjwatch: the first poll reached none of the {len(report.feeds)} feeds: this machine may"
        " be offline, or the feeds' sites down. `tjwatch feeds` shows each feed's error; README"
        " 'Try it offline' runs tjwatch on feed files served on this machine. Next poll in"
        f" {interval_minutes} min."
    )


async def run_console(services: Services, *, stop_after_cycles: int | None = None) -> None:
    """Poll on the configured interval and print a digest whenever something new matched.

    ``stop_after_cycles`` ends the service after that many polls (for smoke tests and demos).
    """
    settings = services.settings.file
    channel = ConsoleChannel(tz_name=settings.schedule.timezone)
    chat = await services.store.run(
        services.store.chats.ensure,
        CONSOLE_CHAT_ID,
        channel="console",
        kind="console",
        now=services.clock.now(),
        defaults={"subscribed": True, "title": "console", "frequency": "instant"},
    )
    # Slack etc., beside the console
    others = await configured_channels(services.settings, services.store, now=services.clock.now())
    stop = asyncio.Event()
    cycles = 0

    async def poll_then_digest() -> None:
        nonlocal cycles
        report = await poll_job(services)
        if cycles == 0 and report is not None and report.feeds and not report.succeeded:
            print(nothing_fetched(report, settings.schedule.poll_interval_minutes), flush=True)
        await digest_job(services, channel, chat)
        for target in others:
            await digest_job(services, target.channel, target.chat)
        cycles += 1
        if stop_after_cycles is not None and cycles >= stop_after_cycles:
            stop.set()

    scheduler = AsyncIOScheduler(timezone=settings.schedule.timezone)
    scheduler.add_job(
        poll_then_digest,
        "interval",
        minutes=settings.schedule.poll_interval_minutes,
        id="poll",
        next_run_time=datetime.now(scheduler.timezone),
        max_instances=1,
        coalesce=True,
    )
    # Retention: the first pass an interval after the start, so that a start (or a one-cycle
    # demo) is not slowed by it; max_instances keeps two passes from overlapping.
    scheduler.add_job(
        prune_job,
        "interval",
        args=[services],
        minutes=settings.retention.interval_minutes,
        id="prune",
        max_instances=1,
        coalesce=True,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(
        f"tjwatch: console mode (no TELEGRAM_BOT_TOKEN): polling {len(settings.feeds)} feeds every "
        f"{settings.schedule.poll_interval_minutes} min; digests print here. Ctrl-C stops.",
        flush=True,
    )
    metrics = start_metrics_server(services.metrics, services.settings.secrets.metrics_port)
    slack_commands = None
    if services.settings.secrets.slack_signing_secret is not None:
        from bot.slackbot.server import start_if_configured  # slack_bolt: only when configured

        slack_commands = await start_if_configured(services)
    web_archive = None
    if services.settings.web_port is not None:
        from bot.web.server import start_if_configured as start_web  # Jinja2: only when configured

        web_archive = await start_web(services)
    scheduler.start()
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        if slack_commands is not None:
            await slack_commands.stop()
        if web_archive is not None:
            await web_archive.stop()
        if metrics is not None:
            metrics.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
