"""The typed context every handler and job receives: ``context.services`` instead of bot_data["x"].

The Telegram application is an entry point, so its context holds the composition root; a handler
takes from it only what the service it calls uses (``context.store``, ``context.settings``,
``context.now()``) and passes that by name. The guard (``guards.py``, group -1) fills
``chat_record`` and ``lang`` once per update, before any handler runs; python-telegram-bot builds
one context per update and hands it to every handler.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import Bot
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.delivery.telegram_channel import TelegramChannel
from bot.reads import ChatRecord, Store
from bot.services import Services
from bot.settings import Settings
from bot.texts import DEFAULT_LANG, Lang, digest_labels, t


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], Services]):
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.chat_record: ChatRecord | None = None
        self.lang: Lang = DEFAULT_LANG

    @property
    def services(self) -> Services:
        return self.bot_data

    @property
    def store(self) -> Store:
        return self.bot_data.store

    @property
    def settings(self) -> Settings:
        return self.bot_data.settings

    def now(self) -> datetime:
        return self.bot_data.clock.now()

    def t(self, key: str, /, **values: Any) -> str:
        return t(self.lang, key, **values)


Types = ContextTypes[BotContext, dict[Any, Any], dict[Any, Any], Services]


def context_types(services: Services) -> Types:
    """ContextTypes whose ``bot_data`` is this one ``Services``.

    python-telegram-bot creates bot_data by calling the given type with no arguments; the
    subclass below answers that call with the already-built services.
    """

    class _TheServices(Services):
        def __new__(cls) -> Services:  # type: ignore[misc]
            return services

    return ContextTypes(context=BotContext, bot_data=_TheServices)


def make_channel(bot: Bot) -> TelegramChannel:
    return TelegramChannel(bot, digest_labels)
