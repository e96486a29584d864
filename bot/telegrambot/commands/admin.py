"""Admin only (ids from configuration; the guard refuses everyone else before these run):
/addfeed URL [name], /removefeed URL|name|id, /addseed URL or text, /pause, /resume."""

from __future__ import annotations

from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.ingest.feed_admin import AddFeedResult, add_feed, remove_feed
from bot.ingest.parse import parse_feed
from bot.polling import set_paused
from bot.relevance.added_seeds import MIN_TEXT_CHARS, SeedRefused
from bot.render.telegram_html import esc
from bot.telegrambot.context import BotContext
from bot.telegrambot.replies import reply, required_args


async def addfeed_command(update: Update, context: BotContext) -> None:
    text = await required_args(update, context.t("admin.addfeed_usage"))
    if text is None:
        return
    args = text.split(maxsplit=1)
    services = context.services
    result = await add_feed(
        args[0],
        args[1] if len(args) > 1 else None,
        store=services.store,
        fetcher=services.fetcher,
        parse=lambda content, headers: services.run_cpu(parse_feed, content, headers),
        public_only=not services.settings.file.fetch.allow_private_addresses,
        now=services.clock.now(),
    )
    if not result.ok or result.feed is None:
        reason = _refusal(context, result, args[0])
        await reply(update, context.t("admin.addfeed_refused", reason=reason))
        return
    await reply(
        update,
        context.t("admin.addfeed_done", name=esc(result.feed.name), url=esc(result.feed.url)),
    )


def _refusal(context: BotContext, result: AddFeedResult, url: str) -> str:
    """Why a feed was not added, in the chat's words; the fetcher's or parser's own diagnosis
    (``detail``, in English) only quoted as code."""
    code = result.code or "fetch_failed"
    if code == "already_added" and result.feed is not None:
        return context.t(
            "admin.addfeed_why.already_added", name=esc(result.feed.name), id=result.feed.id
        )
    return context.t(
        f"admin.addfeed_why.{code}",
        host=esc(urlsplit(url.strip()).hostname or url),
        detail=esc(result.detail or "?"),
    )


async def removefeed_command(update: Update, context: BotContext) -> None:
    key = await required_args(update, context.t("admin.removefeed_usage"))
    if key is None:
        return
    result = await remove_feed(context.store, key, now=context.now())
    if not result.ok or result.feed is None:
        await reply(update, context.t("admin.removefeed_not_found", key=esc(key)))
        return
    await reply(update, context.t("admin.removefeed_done", name=esc(result.feed.name)))


async def addseed_command(update: Update, context: BotContext) -> None:
    """A URL (its article text is fetched) or pasted text (first line the headline) becomes a
    seed; the next poll compares items with it too."""
    source = await required_args(update, context.t("admin.addseed_usage"))
    if source is None:
        return
    result = await context.services.seed_admin.add(source)
    if result.refused is not None or result.seed is None:
        refused = result.refused or SeedRefused("no_text")
        reason = context.t(
            f"admin.addseed_why.{refused.code}", detail=esc(refused.detail), min=MIN_TEXT_CHARS
        )
        await reply(update, context.t("admin.addseed_refused", reason=reason))
        return
    await reply(update, context.t("admin.addseed_done", title=esc(result.seed.title)))


async def pause_command(update: Update, context: BotContext) -> None:
    changed = await set_paused(context.services.store, True)
    await reply(update, context.t("admin.paused" if changed else "admin.already_paused"))


async def resume_command(update: Update, context: BotContext) -> None:
    changed = await set_paused(context.services.store, False)
    await reply(update, context.t("admin.resumed" if changed else "admin.already_running"))


HANDLERS: list[BaseHandler[Update, BotContext, None]] = [
    CommandHandler("addfeed", addfeed_command),
    CommandHandler("removefeed", removefeed_command),
    CommandHandler("addseed", addseed_command),
    CommandHandler("pause", pause_command),
    CommandHandler("resume", resume_command),
]
