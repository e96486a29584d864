"""/digest (now), /latest [n], /search words, /why ID."""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import reads
from bot.explaining import explain_stored, find_target
from bot.reads import ChatRecord, StoredItem
from bot.relevance.reasons import Reason
from bot.render.telegram_html import clip, esc, render_item_line
from bot.subscriptions import threshold
from bot.telegrambot.context import BotContext, make_channel
from bot.telegrambot.replies import command_args, reply, reply_lines, required_args
from bot.texts import reason_text


async def digest_command(update: Update, context: BotContext) -> None:
    """What is new for this chat since its last digest, sent now, here (even when empty)."""
    chat = context.chat_record
    assert chat is not None
    # Asked for here: answer here (in this topic), whatever the chat's subscription says.
    message = update.effective_message
    thread = message.message_thread_id if message and message.is_topic_message else None
    here = _replace_thread(chat, thread)
    await context.services.outbox.deliver(make_channel(context.bot), here, send_empty=True)


def _replace_thread(chat: ChatRecord, thread: int | None) -> ChatRecord:
    return replace(chat, thread_id=thread)


def _lines(context: BotContext, items: list[StoredItem]) -> list[str]:
    tz = context.chat_record.timezone if context.chat_record else "UTC"
    return [
        render_item_line(
            title=i.title,
            url=i.url,
            sources=i.sources,
            timeline_at=i.timeline_at,
            score=i.score,
            item_id=i.id,
            tz_name=tz,
            relevance=context.t("digest.relevance"),
        )
        for i in items
    ]


async def latest_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    n = reads.latest_count(command_args(message.text))
    if n is None:
        await reply(update, context.t("latest.usage", max=reads.LATEST_MAX))
        return
    items = await reads.latest(context.store, n)
    if not items:
        await reply(update, context.t("latest.none"))
        return
    await reply_lines(update, context.t("latest.header", n=len(items)), _lines(context, items))


async def search_command(update: Update, context: BotContext) -> None:
    query = await required_args(update, context.t("search.usage"))
    if query is None:
        return
    items = await reads.search(context.store, query)
    if not items:
        await reply(update, context.t("search.none", query=esc(query)))
        return
    await reply_lines(
        update, context.t("search.header", query=esc(query), n=len(items)), _lines(context, items)
    )


@dataclass(frozen=True, slots=True)
class WhyFacts:
    """What /why shows: the same facts as ``tjwatch explain`` (the item scored again by the
    running scorer), else, when the explainer finds no item, those stored with its verdict."""

    relevant: bool
    score: float
    threshold: float
    terms: tuple[str, ...]
    seeds: tuple[tuple[str, float], ...]
    story: str | None
    reasons: tuple[Reason, ...]


async def why_facts(context: BotContext, item: StoredItem) -> WhyFacts:
    services = context.services
    e = await explain_stored(item.id, store=services.store, scorer=services.scorer)
    if e is not None:
        return WhyFacts(
            e.relevant,
            e.score,
            e.relevance_threshold,
            tuple(w for _, words in e.side_words for w in words),
            tuple((s.title or s.name, s.similarity) for s in e.seeds),
            e.story,
            tuple(e.reasons),
        )
    # The stored reason is English prose (the CLI's words): a chat in any language gets the
    # reasons only from a rescoring, as codes it words itself.
    seeds = tuple(sorted(item.seed_similarity.items(), key=lambda kv: -kv[1]))
    return WhyFacts(
        item.relevant,
        item.score,
        services.settings.file.thresholds.relevance,
        item.matched_terms,
        seeds,
        item.story,
        (),
    )


async def why_command(update: Update, context: BotContext) -> None:
    """Why an item was or was not sent to this chat."""
    chat = context.chat_record
    assert chat is not None
    key = await required_args(update, context.t("why.usage"))
    if key is None:
        return
    target = await find_target(context.store, key)
    if target is None:
        await reply(update, context.t("why.not_found", id=esc(key)))
        return
    item = target.item
    if item.trace:  # nothing is left to explain it from
        days = context.settings.file.retention.unmatched_text_days
        await reply(
            update, "\n".join([*_lines(context, [item]), context.t("why.trace", days=days)])
        )
        return
    sent = await reads.was_sent(context.store, "telegram", chat.id, item.id)
    facts = await why_facts(context, item)
    mine = threshold(chat, context.settings.file.thresholds.relevance)
    lines = [
        *(
            [context.t("why.story_lead", story=target.story_id)]
            if target.story_id is not None
            else []
        ),
        *_lines(context, [item]),  # the item as /latest and /search show it
        context.t("why.sent" if sent else "why.not_sent"),
        context.t(
            "why.relevant" if facts.relevant else "why.not_relevant",
            score=f"{facts.score:.2f}",
            threshold=f"{facts.threshold:.2f}",
        ),
    ]
    if facts.relevant and item.score < mine:
        lines.append(context.t("why.below_chat", threshold=f"{mine:.2f}"))
    lines.append(
        context.t("why.terms", terms=esc(", ".join(facts.terms)))
        if facts.terms
        else context.t("why.no_terms")
    )
    if facts.seeds:
        seeds = "; ".join(f"{esc(clip(name, 60))} {value:.2f}" for name, value in facts.seeds)
        lines.append(context.t("why.seeds", seeds=seeds))
    if facts.story:
        story = (
            context.t(f"digest.{facts.story}")
            if facts.story in {"same_story", "new_development"}
            else facts.story
        )
        lines.append(context.t("why.story", story=esc(story)))
    topic = context.settings.topic
    for reason in facts.reasons:
        lines.append(context.t("why.reason", reason=reason_text(context.lang, reason, topic)))
    await reply(update, "\n".join(lines))


HANDLERS: list[BaseHandler[Update, BotContext, None]] = [
    CommandHandler("digest", digest_command),
    CommandHandler("latest", latest_command),
    CommandHandler("search", search_command),
    CommandHandler("why", why_command),
]
