"""The Telegram bot's ``Application``, built from Settings and Services; run by ``tjwatch run``.

Long polling by default; a webhook when ``TELEGRAM_WEBHOOK_URL`` is set. ``TELEGRAM_API_BASE_URL``
points the bot at a self-hosted Bot API server (or the test emulator).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.metrics import start_metrics_server
from bot.services import Services
from bot.settings import Settings
from bot.slackbot.server import SlackCommandServer, start_if_configured
from bot.subscriptions import telegram_chats
from bot.telegrambot.commands import (
    admin,
    feedback,
    info,
    reading,
    start,
    subscriptions,
    summaries,
)
from bot.telegrambot.commands import settings as settings_commands
from bot.telegrambot.context import BotContext, context_types
from bot.telegrambot.errors import on_error
from bot.telegrambot.guards import command_name, guard
from bot.telegrambot.replies import reply
from bot.telegrambot.schedule import schedule_all, schedule_poll, schedule_prune
from bot.texts import LANGS, t

log = logging.getLogger(__name__)

# The handler families, each a module exporting HANDLERS; order matters only for overlapping
# patterns.
HANDLER_MODULES = (
    start,
    subscriptions,
    reading,
    settings_commands,
    info,
    admin,
    feedback,
    summaries,
)
# The menu (setMyCommands), in this order; descriptions come from the catalogs ("commands.*").
MENU = (
    "digest",
    "latest",
    "search",
    "summary",
    "story",
    "trend",
    "settings",
    "subscribe",
    "unsubscribe",
    "sources",
    "seeds",
    "stats",
    "why",
    "lang",
    "help",
    "start",
)
WEBHOOK_LISTEN = "0.0.0.0"  # the webhook server listens on every interface
WEBHOOK_PORT = 8443

Handlers = list[BaseHandler[Update, BotContext, Any]]


async def _unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    name = command_name(message.text, context.bot.username)
    addressed = "@" in message.text.split(maxsplit=1)[0]
    # In a group, "/foo" may be meant for another bot: answer only when addressed to us.
    if name is None or (message.chat.type != ChatType.PRIVATE and not addressed):
        return
    await reply(update, context.t("errors.unknown_command", command=f"/{name}"))


def collect_handlers(modules: Sequence[ModuleType] = HANDLER_MODULES) -> Handlers:
    handlers: Handlers = [h for module in modules for h in module.HANDLERS]
    handlers.append(MessageHandler(filters.COMMAND, _unknown_command))
    return handlers


def menu(lang: str) -> list[BotCommand]:
    return [BotCommand(name, t(lang, f"commands.{name}")) for name in MENU]


def webhook_secret(token: str) -> str:
    """The ``secret_token`` Telegram sends back with every webhook call: without it, anyone who
    learned the webhook's address could post fake updates. Derived from the bot token, so it is
    stable across restarts and never configured separately."""
    return hashlib.sha256(f"tjwatch-webhook:{token}".encode()).hexdigest()


def api_base_url(settings: Settings) -> str | None:
    root = settings.secrets.telegram_api_base_url
    return f"{str(root).rstrip('/')}/bot" if root is not None else None


def build_application(
    settings: Settings,
    services: Services,
    *,
    first_poll_s: float = 1.0,
) -> Application[Any, BotContext, Any, Any, Services, Any]:
    """The bot, ready to run; nothing touches the network until it is initialised."""
    token = settings.secrets.telegram_bot_token
    if token is None:
        raise ValueError("build_application needs TELEGRAM_BOT_TOKEN")

    async def post_init(app: Application[Any, BotContext, Any, Any, Services, Any]) -> None:
        for lang in LANGS:
            try:
                await app.bot.set_my_commands(
                    menu(lang), language_code=None if lang == "en" else lang
                )
            except TelegramError as exc:  # the menu is a nicety: never a reason not to start
                log.warning("could not set the %s command menu: %s", lang, exc)
        assert app.job_queue is not None
        schedule_poll(
            app.job_queue, settings.file.schedule.poll_interval_minutes, first=first_poll_s
        )
        schedule_prune(app.job_queue, settings.file.retention.interval_minutes)
        timed = await schedule_all(app.job_queue, await telegram_chats(services.store))
        log.info("telegram bot @%s ready: %d chats with timed digests", app.bot.username, timed)

    builder = (
        Application.builder()
        .token(token.get_secret_value())
        .context_types(context_types(services))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(post_init)
    )
    base_url = api_base_url(settings)
    if base_url is not None:
        builder = builder.base_url(base_url)
    app = builder.build()
    app.add_handler(TypeHandler(Update, guard), group=-1)
    for handler in collect_handlers():
        app.add_handler(handler)
    app.add_error_handler(on_error)
    return app


def run_telegram(settings: Settings) -> None:
    """Run until stopped (Ctrl-C / SIGTERM): webhook if configured, else long polling."""
    # Opt in to PTB's timedelta durations: the int form is deprecated and every RetryAfter
    # would otherwise emit a deprecation warning (bot.delivery.telegram_channel takes either).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    services = Services.build(settings)
    app = build_application(settings, services)
    telegram_init = app.post_init
    slack: list[SlackCommandServer] = []
    # /metrics when METRICS_PORT is set
    metrics = start_metrics_server(services.metrics, settings.secrets.metrics_port)

    async def post_init(app_: Any) -> None:
        await services.start_workers()
        if telegram_init is not None:
            await telegram_init(app_)
        slack.extend(s for s in [await start_if_configured(services)] if s is not None)

    async def post_shutdown(_app: Any) -> None:
        for server in slack:
            await server.stop()
        if metrics is not None:
            metrics.close()
        await services.aclose()

    app.post_init = post_init
    app.post_shutdown = post_shutdown
    webhook = settings.secrets.telegram_webhook_url
    if webhook is not None:
        path = urlsplit(str(webhook)).path.lstrip("/")
        token = settings.secrets.telegram_bot_token
        assert token is not None
        app.run_webhook(
            listen=WEBHOOK_LISTEN,
            port=WEBHOOK_PORT,
            url_path=path,
            webhook_url=str(webhook),
            allowed_updates=Update.ALL_TYPES,
            secret_token=webhook_secret(token.get_secret_value()),
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
