"""/seeds, /sources (feeds and their health), /stats."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import reads
from bot.polling import is_paused
from bot.reads import FeedHealth
from bot.render.telegram_html import clip, esc, safe_href
from bot.subscriptions import threshold
from bot.telegrambot.context import BotContext
from bot.telegrambot.replies import reply, reply_lines

_STATUS_ICON = {"ok": "✅", "failing": "⚠️", "new": "🆕", "inactive": "⏸"}


async def seeds_command(update: Update, context: BotContext) -> None:
    """The configured seeds, then those an admin added with /addseed."""
    configured = context.settings.file.seeds
    added = await context.services.seed_admin.added()
    if not configured and not added:
        await reply(update, context.t("seeds.none"))
        return
    # A seed configured without a title is shown by the title the scorer read from its text.
    loaded = {s.name: s.title for s in context.services.scorer.seeds}
    lines = [
        _seed_line(
            n,
            seed.title or loaded.get(seed.file.stem, seed.file.stem),
            str(seed.url) if seed.url else None,
            (seed.source, seed.date),
        )
        for n, seed in enumerate(configured, 1)
    ]
    lines += [
        _seed_line(n, seed.title, seed.url, (context.t("seeds.added", date=seed.day.isoformat()),))
        for n, seed in enumerate(added, len(configured) + 1)
    ]
    await reply_lines(update, context.t("seeds.header", n=len(lines)), lines)


def _seed_line(n: int, title: str, url: str | None, meta: tuple[str | None, ...]) -> str:
    href = safe_href(url)
    head = (
        f'{n}. <a href="{href}">{esc(clip(title, 200))}</a>'
        if href
        else (f"{n}. {esc(clip(title, 200))}")
    )
    details = " · ".join(esc(x) for x in meta if x)
    return f"{head}\n<i>{details}</i>" if details else head


def _feed_line(context: BotContext, feed: FeedHealth, tz: ZoneInfo) -> str:
    icon = _STATUS_ICON.get(feed.status, "")
    head = context.t("sources.feed", icon=icon, name=esc(clip(feed.name, 80)), id=feed.id)
    if feed.status == "failing":
        detail = context.t(
            "sources.line_failing",
            failures=feed.consecutive_failures,
            error=esc(clip(feed.last_error or "?", 160)),
        )
    elif feed.last_success_at is not None:
        when = feed.last_success_at.astimezone(tz).strftime("%d.%m %H:%M")
        detail = context.t("sources.line_ok", when=when)
    else:
        detail = context.t("sources.never")
    return f"{head}\n{esc(clip(feed.url, 120))}\n{detail}"


async def sources_command(update: Update, context: BotContext) -> None:
    feeds = await reads.active_feeds(context.store)
    if not feeds:
        await reply(update, context.t("sources.none"))
        return
    tz = ZoneInfo(context.chat_record.timezone if context.chat_record else "UTC")
    failing = sum(1 for f in feeds if f.status == "failing")
    await reply_lines(
        update,
        context.t("sources.header", n=len(feeds), failing=failing),
        [_feed_line(context, f, tz) for f in feeds],
    )


async def stats_command(update: Update, context: BotContext) -> None:
    chat = context.chat_record
    assert chat is not None
    stats = await reads.chat_stats(context.store, "telegram", chat.id)
    paused = await is_paused(context.store)
    await reply(
        update,
        context.t(
            "stats.text",
            items=stats.items,
            relevant=stats.relevant,
            feeds=stats.feeds,
            failing=stats.failing,
            chats=stats.chats,
            delivered=stats.delivered,
            up=stats.feedback.up,
            down=stats.feedback.down,
            threshold=f"{threshold(chat, context.settings.file.thresholds.relevance):.2f}",
            polling=context.t("stats.polling_paused" if paused else "stats.polling_on"),
        ),
    )


HANDLERS: list[BaseHandler[Update, BotContext, None]] = [
    CommandHandler("seeds", seeds_command),
    CommandHandler("sources", sources_command),
    CommandHandler("stats", stats_command),
]
