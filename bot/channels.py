"""Which channels are configured besides the caller's own: the one list every runner delivers to.

A channel module offers a factory ``async (settings, store, now) -> (channel, chat record) | None``
(None when it is not configured); adding a channel (email, Matrix) is a new module plus one line in
``FACTORIES``. Each channel's deliveries are recorded on their own (the deliveries table is keyed
by channel, chat and item), so one channel failing never holds back another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.delivery.channel import Channel
from bot.delivery.slack_channel import SlackChannel, configured_poster, slack_chat_id
from bot.render.web_pages import web_pages
from bot.settings import Settings
from bot.subscriptions import record_slack_chat
from bot.texts import digest_labels
from storage import ChatRecord, Store

Factory = Callable[[Settings, Store, datetime], Awaitable[tuple[Channel, ChatRecord] | None]]


@dataclass(frozen=True, slots=True)
class Target:
    channel: Channel
    chat: ChatRecord


async def configured_channels(settings: Settings, store: Store, *, now: datetime) -> list[Target]:
    """Every configured extra channel with its chat record (created on first use at ``now``)."""
    targets: list[Target] = []
    for factory in FACTORIES:
        found = await factory(settings, store, now)
        if found is not None:
            targets.append(Target(*found))
    return targets


async def slack_target(
    settings: Settings, store: Store, now: datetime
) -> tuple[SlackChannel, ChatRecord] | None:
    """The Slack channel and its chat record, when Slack is configured (one registry entry)."""
    found = configured_poster(settings)
    if found is None:
        return None
    poster, key, title = found
    chat = await record_slack_chat(
        store,
        slack_chat_id(key),
        title=title,
        lang=settings.file.telegram.default_lang,
        timezone=settings.file.schedule.timezone,
        now=now,
        subscribed=True,
    )
    pages = web_pages(settings.public_url)
    return SlackChannel(poster, digest_labels(chat.lang), pages=pages), chat


FACTORIES: tuple[Factory, ...] = (slack_target,)
