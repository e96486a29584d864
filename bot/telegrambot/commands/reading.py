"""/digest (now), /latest [n], /search words, /why ID."""

from __future__ import annotations

from dataclasses import replace

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.delivery.outbox import deliver_digest
from bot.render.telegram_html import esc, render_item_line
from bot.subscriptions import threshold
from bot.telegrambot.context import BotContext, make_channel
from bot.telegrambot.replies import command_args, reply, reply_lines
from storage import ChatRecord, StoredItem

LATEST_DEFAULT = 5
LATEST_MAX = 30
SEARCH_LIMIT = 10


async def digest_command(update: Update, context: BotContext) -> None:
    """What is new for this chat since its last digest, sent now, here (even when empty)."""
    chat = context.chat_record
    assert chat is not None
    # Asked for here: answer here (in this topic), whatever the chat's subscription says.
    message = update.effective_message
    thread = message.message_thread_id if message and message.is_topic_message else None
    here = _replace_thread(chat, thread)
    await deliver_digest(context.services, make_channel(context.bot), here, send_empty=True)


def _replace_thread(chat: ChatRecord, thread: int | None) -> ChatRecord:
    return replace(chat, thread_id=thread)


def _lines(context: BotContext, items: list[StoredItem]) -> list[str]:
    tz = context.chat_record.timezone if context.chat_record else "UTC"
    return [
        render_item_line(title=i.title, url=i.url, sources=i.sources, published_at=i.published_at,
                         score=i.score, item_id=i.id, tz_name=tz,
                         relevance=context.t("digest.relevance"))
        for i in items
    ]


async def latest_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    arg = command_args(message.text)
    if arg and not (arg.isdigit() and 1 <= int(arg) <= LATEST_MAX):
        await reply(update, context.t("latest.usage", max=LATEST_MAX))
        return
    n = int(arg) if arg else LATEST_DEFAULT
    store = context.services.store
    items = await store.run(store.items.latest, n)
    if not items:
        await reply(update, context.t("latest.none"))
        return
    await reply_lines(update, context.t("latest.header", n=len(items)), _lines(context, items))


async def search_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    query = command_args(message.text)
    if not query:
        await reply(update, context.t("search.usage"))
        return
    store = context.services.store
    items = await store.run(store.items.search, query, SEARCH_LIMIT)
    if not items:
        await reply(update, context.t("search.none", query=esc(query)))
        return
    await reply_lines(update, context.t("search.header", query=esc(query), n=len(items)),
                      _lines(context, items))


async def why_command(update: Update, context: BotContext) -> None:
    """The stored verdict's facts, as ``tjwatch explain`` shows them, plus this chat's view."""
    message, chat = update.effective_message, context.chat_record
    assert message is not None and chat is not None
    key = command_args(message.text)
    if not key:
        await reply(update, context.t("why.usage"))
        return
    store = context.services.store
    item = await store.run(store.items.get, key)
    if item is None:
        await reply(update, context.t("why.not_found", id=esc(key)))
        return
    sent = item.id in await store.run(store.deliveries.sent_ids, "telegram", chat.id)
    base = context.services.settings.file.thresholds.relevance
    mine = threshold(context.services, chat)
    lines = [
        render_item_line(title=item.title, url=item.url, sources=item.sources,
                         published_at=item.published_at, score=item.score, item_id=item.id,
                         tz_name=chat.timezone, relevance=context.t("digest.relevance")),
        context.t("why.sent" if sent else "why.not_sent"),
        context.t("why.relevant" if item.relevant else "why.not_relevant",
                  score=f"{item.score:.2f}", threshold=f"{base:.2f}"),
    ]
    if item.relevant and item.score < mine:
        lines.append(context.t("why.below_chat", threshold=f"{mine:.2f}"))
    lines.append(context.t("why.terms", terms=esc(", ".join(item.matched_terms)))
                 if item.matched_terms else context.t("why.no_terms"))
    if item.seed_similarity:
        seeds = ", ".join(f"{esc(name)} {value:.2f}" for name, value in
                          sorted(item.seed_similarity.items(), key=lambda kv: -kv[1]))
        lines.append(context.t("why.seeds", seeds=seeds))
    if item.story:
        story = context.t(f"digest.{item.story}") if item.story in {
            "same_story", "new_development"} else item.story
        lines.append(context.t("why.story", story=esc(story)))
    if item.reason:
        lines.append(context.t("why.reason", reason=esc(item.reason)))
    await reply(update, "\n".join(lines))


HANDLERS: list[BaseHandler[Update, BotContext, None]] = [
    CommandHandler("digest", digest_command),
    CommandHandler("latest", latest_command),
    CommandHandler("search", search_command),
    CommandHandler("why", why_command),
]
