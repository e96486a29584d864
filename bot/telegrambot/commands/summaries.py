"""/summary [24h|7d|30d|since DATE], /story ID, /trend [30d]: parse, call a service, reply.

``/story_N`` (the clickable form digests and follow-ups carry) is ``/story N``.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot import reads
from bot.digest.llm import LlmClient
from bot.digest.period import Period, PeriodError, parse_period
from bot.digest.summary import summarize
from bot.digest.themes import matcher_for
from bot.digest.trend import MAX_DAYS, trend
from bot.render.summary_telegram import (
    render_story_telegram,
    render_summary_telegram,
    trend_caption,
)
from bot.render.summary_texts import summary_texts
from bot.render.telegram_html import esc
from bot.render.web_pages import web_pages
from bot.telegrambot.context import BotContext
from bot.telegrambot.replies import command_args, reply


def _tz(context: BotContext) -> str:
    chat = context.chat_record
    return chat.timezone if chat is not None else context.settings.file.schedule.timezone


async def _period(
    update: Update, context: BotContext, default: str, usage: str, max_days: int | None = None
) -> Period | None:
    """The period the command names (``default`` when none); the usage line when it is not one
    (after the longest period the command shows, when it is longer)."""
    message = update.effective_message
    assert message is not None
    period = parse_period(
        command_args(message.text),
        context.now(),
        tz_name=_tz(context),
        default=default,
        max_days=max_days,
    )
    if isinstance(period, PeriodError):
        texts = summary_texts(context.lang)
        if period.reason == "too_long":
            usage = f"{texts.too_long.format(days=period.max_days)} {usage}"
        await reply(update, esc(usage))
        return None
    return period


async def summary_command(update: Update, context: BotContext) -> None:
    texts = summary_texts(context.lang)
    period = await _period(update, context, "7d", texts.summary_usage)
    if period is None:
        return
    settings = context.settings
    summary = await summarize(
        context.store,
        period,
        matcher=matcher_for(settings, context.lang),
        llm=LlmClient.from_settings(settings),
        now=context.now(),
        lang=context.lang,
    )
    pages = web_pages(settings.public_url)
    for text in render_summary_telegram(summary, texts, tz_name=_tz(context), pages=pages):
        await reply(update, text)


STORY_LINK = re.compile(r"^/story_(\d+)(?:@\w+)?$")


async def story_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    texts = summary_texts(context.lang)
    link = STORY_LINK.match(message.text or "")
    key = link.group(1) if link else command_args(message.text)
    if not key or " " in key:
        await reply(update, esc(texts.story_usage))
        return
    reports = await reads.story(context.store, key)
    if reports is None:
        await reply(update, esc(texts.story_not_found.format(key=key)))
        return
    pages = web_pages(context.settings.public_url)
    for text in render_story_telegram(reports, texts, tz_name=_tz(context), pages=pages):
        await reply(update, text)


async def trend_command(update: Update, context: BotContext) -> None:
    texts = summary_texts(context.lang)
    period = await _period(update, context, "30d", texts.trend_usage, MAX_DAYS)
    if period is None:
        return
    chart = await trend(
        context.store,
        period,
        matcher=matcher_for(context.settings, context.lang),
        title=texts.chart_title(context.settings.topic.subject_in(context.lang), period),
    )
    if chart.data.total == 0:
        await reply(update, esc(texts.trend_empty.format(period=texts.period(period))))
        return
    message = update.effective_message
    assert message is not None
    await message.reply_photo(chart.png, caption=trend_caption(chart.data, texts), do_quote=False)


# /summary may wait for a language model (up to its timeout) and /trend draws a chart: both run
# beside other updates (block=False) instead of holding every chat's commands until they finish.
HANDLERS: list[BaseHandler[Update, BotContext, None]] = [
    CommandHandler("summary", summary_command, block=False),
    CommandHandler("story", story_command),
    MessageHandler(filters.Regex(STORY_LINK), story_command),
    CommandHandler("trend", trend_command, block=False),
]
