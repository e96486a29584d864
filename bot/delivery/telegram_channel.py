"""Telegram delivery: a digest rendered as HTML messages and sent through python-telegram-bot.

Telegram's errors become outcomes (``bot.delivery.channel``) instead of exceptions:

    RetryAfter          → RetryLater (after the rate limiter's own retries ran out)
    Forbidden           → Blocked (bot blocked, kicked, channel gone: the chat is deactivated)
    ChatMigrated        → Migrated (group became a supergroup: the chat id changes)
    BadRequest "can't parse entities" → the same message again as plain text, once
    BadRequest "chat not found"       → Blocked
    BadRequest "message thread not found" → sent again outside the (deleted) topic
    BadRequest "message to be replied not found" → a follow-up sent again as a message of its
                                      own (the original was deleted; the follow-up names its
                                      story, and later ones reply to it: ``Sent.alone``)
    TimedOut / NetworkError → one quick retry, then RetryLater

``send_each`` yields one outcome per message so that the outbox records each message's items as
soon as Telegram has acknowledged that message (a failure on message 3 of 3 keeps only its items
pending).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import warnings
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.delivery.channel import Blocked, Failed, Migrated, RetryLater, SendOutcome, Sent
from bot.models import Digest, FollowUp
from bot.render.telegram_html import (
    DigestLabels,
    RenderedMessage,
    render_digest,
    render_follow_up,
)
from storage import ChatRecord

log = logging.getLogger(__name__)

LabelsFor = Callable[[str | None], DigestLabels]
NETWORK_RETRY_DELAY_S = 1.0
_TAG = re.compile(r"<[^>]+>")


def plain_text(markup: str) -> str:
    """What a message says without its markup (for the bad-markup fallback)."""
    return html.unescape(_TAG.sub("", markup))


def keyboard(message: RenderedMessage) -> InlineKeyboardMarkup | None:
    if not message.keyboard:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.data) for b in row]
            for row in message.keyboard
        ]
    )


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 deprecates the int form; we take either.
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    name = "telegram"

    def __init__(self, bot: Bot, labels_for: LabelsFor | None = None) -> None:
        self._bot = bot
        self._labels_for = labels_for or (lambda _lang: DigestLabels())

    def render(self, chat: ChatRecord, digest: Digest) -> list[RenderedMessage]:
        return render_digest(digest, self._labels_for(chat.lang), tz_name=chat.timezone)

    async def send(self, chat: ChatRecord, digest: Digest) -> SendOutcome:
        ids: list[int] = []
        async for _items, outcome in self.send_each(chat, digest):
            if not isinstance(outcome, Sent):
                return outcome
            ids.extend(outcome.message_ids)
        return Sent(tuple(ids))

    async def send_each(
        self, chat: ChatRecord, digest: Digest
    ) -> AsyncIterator[tuple[tuple[str, ...], SendOutcome]]:
        """Send message by message; stop at the first that is not sent."""
        for message in self.render(chat, digest):
            outcome = await self.send_message(chat, message)
            yield message.item_ids, outcome
            if not isinstance(outcome, Sent):
                return

    async def send_follow_up(self, chat: ChatRecord, follow_up: FollowUp) -> SendOutcome:
        """A reply to the message that carried the story (issue 22)."""
        message = render_follow_up(follow_up, self._labels_for(chat.lang), tz_name=chat.timezone)
        reply_to = follow_up.reply_to
        return await self.send_message(
            chat, message, reply_to=int(reply_to) if reply_to and reply_to.isdigit() else None
        )

    async def send_message(
        self, chat: ChatRecord, message: RenderedMessage, *, reply_to: int | None = None
    ) -> SendOutcome:
        thread_id = chat.thread_id
        text = message.text
        parse_mode: ParseMode | None = ParseMode.HTML
        network_retries = 1
        alone = False
        while True:
            try:
                sent = await self._bot.send_message(
                    chat.id,
                    text,
                    parse_mode=parse_mode,
                    reply_markup=keyboard(message),
                    message_thread_id=thread_id,
                    reply_parameters=ReplyParameters(reply_to) if reply_to is not None else None,
                )
                return Sent((sent.message_id,), alone=alone)
            except RetryAfter as exc:
                return RetryLater(retry_seconds(exc), "Telegram flood control")
            except Forbidden as exc:
                return Blocked(exc.message)
            except ChatMigrated as exc:
                return Migrated(exc.new_chat_id)
            except BadRequest as exc:
                reason = exc.message.lower()
                if "parse entities" in reason and parse_mode is not None:
                    log.error(
                        "chat %s: Telegram rejected our HTML (%s); sending plain text",
                        chat.id,
                        exc.message,
                    )
                    text, parse_mode = plain_text(message.text), None
                    continue
                if "thread not found" in reason and thread_id is not None:
                    thread_id = None
                    continue
                if "replied not found" in reason and reply_to is not None:
                    log.info("chat %s: message %s is gone; follow-up sent alone", chat.id, reply_to)
                    reply_to, alone = None, True
                    continue
                if "chat not found" in reason:
                    return Blocked(exc.message)
                return Failed(exc.message)
            except NetworkError as exc:  # includes TimedOut
                if network_retries > 0:
                    network_retries -= 1
                    await asyncio.sleep(NETWORK_RETRY_DELAY_S)
                    continue
                return RetryLater(60.0, f"network error: {exc.message}")
