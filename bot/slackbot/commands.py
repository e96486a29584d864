"""``/tjwatch digest|summary|latest|search`` as a slack_bolt app, calling the same services as the
CLI and the Telegram bot.

Bolt's request-verification middleware checks every request's ``X-Slack-Signature`` against
``SLACK_SIGNING_SECRET`` (and refuses stale timestamps) before any handler runs: a forged request
gets 401. Slash commands need no Web API call, so ``authorize`` answers from the request itself
(a bot token is passed along when one is configured) instead of calling ``auth.test``.

``digest`` is acknowledged at once and then delivered through the outbox to the command's
``response_url`` (so what is sent is recorded for that Slack channel, message by message, like
any other delivery); the other commands answer in the acknowledgement itself, with any further
messages posted to ``response_url``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult

from bot import reads
from bot.delivery.slack_channel import SlackChannel, WebhookPoster, slack_chat_id
from bot.digest.compose import entry_for
from bot.digest.llm import LlmClient
from bot.digest.themes import matcher_for
from bot.models import Digest
from bot.reads import ChatRecord, Store, StoredItem
from bot.render.slack_blocks import SlackMessage, escape, render_digest
from bot.services import Services
from bot.settings import Settings
from bot.slackbot.summary import brief
from bot.slackbot.texts import t
from bot.subscriptions import record_slack_chat
from bot.texts import digest_labels

log = logging.getLogger(__name__)

COMMAND = "/tjwatch"


def listing(title: str, items: Sequence[StoredItem], now: datetime) -> Digest:
    """Stored items as a digest with one entry per item (``latest`` and ``search``)."""
    entries = tuple(entry_for([i]) for i in items)
    return Digest(title=title, entries=entries, generated_at=now)


async def command_chat(
    store: Store, command: dict[str, Any], *, settings: Settings, now: datetime
) -> ChatRecord:
    """The Slack channel a command came from, as a chat (created the first time)."""
    channel_id = str(command.get("channel_id") or "unknown")
    return await record_slack_chat(
        store,
        slack_chat_id(f"channel:{channel_id}"),
        title=f"slack {command.get('channel_name') or channel_id}",
        lang=settings.file.telegram.default_lang,
        timezone=settings.file.schedule.timezone,
        now=now,
    )


class Commands:
    """The handlers. They hold the composition root (the Slack server is an entry point) and
    hand each service only what it uses: reads go through ``bot.reads``, digests through the
    outbox, summaries through ``bot.digest.summary``."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.lang = services.settings.file.telegram.default_lang
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def busy(self) -> AsyncIterator[None]:
        """Counts commands in flight (a digest goes on after the ack) so a stop can wait."""
        self._running += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._running -= 1
            if self._running == 0:
                self._idle.set()

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for commands in flight, e.g. a digest still posting, before the store closes."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)

    async def answer(self, command: dict[str, Any]) -> tuple[list[SlackMessage], bool]:
        """What to answer to a command other than ``digest``: (messages, visible to all)."""
        verb, _, rest = str(command.get("text") or "").strip().partition(" ")
        rest = rest.strip()
        store, clock = self.services.store, self.services.clock
        match verb.lower():
            case "latest":
                n = reads.latest_count(rest)
                if n is None:
                    return self.usage(), False
                items = await reads.latest(store, n)
                if not items:
                    return self.note(t(self.lang, "latest_none")), False
                title = t(self.lang, "latest_title", n=len(items))
                return self.render(listing(title, items, clock.now())), False
            case "search":
                if not rest:
                    return self.usage(), False
                items = await reads.search(store, rest)
                if not items:
                    return self.note(t(self.lang, "search_none", query=escape(rest))), False
                title = t(self.lang, "search_title", query=rest)
                return self.render(listing(title, items, clock.now())), False
            case "summary":
                return await self.summary(rest), True
            case _:
                return self.usage(), False

    async def summary(self, arg: str) -> list[SlackMessage]:
        svc = self.services
        found = await brief(
            svc.store,
            arg,
            self.lang,
            now=svc.clock.now(),
            tz_name=svc.settings.file.schedule.timezone,
            matcher=matcher_for(svc.settings, self.lang),
            llm=LlmClient.from_settings(svc.settings),
        )
        if found is None:
            return self.note(t(self.lang, "summary_usage"))
        if found.digest is None:
            return self.note(found.note)
        return self.render(found.digest) + (self.note(found.facts) if found.facts else [])

    def render(self, digest: Digest) -> list[SlackMessage]:
        tz = self.services.settings.file.schedule.timezone
        return render_digest(digest, digest_labels(self.lang), tz_name=tz)

    def note(self, text: str) -> list[SlackMessage]:
        block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
        return [SlackMessage(text, (block,))]

    def usage(self) -> list[SlackMessage]:
        return self.note(t(self.lang, "usage", max=reads.LATEST_MAX))

    async def digest(self, command: dict[str, Any]) -> None:
        svc = self.services
        chat = await command_chat(svc.store, command, settings=svc.settings, now=svc.clock.now())
        poster = WebhookPoster(str(command["response_url"]), {"response_type": "in_channel"})
        channel = SlackChannel(poster, digest_labels(chat.lang))
        await svc.outbox.deliver(channel, chat, send_empty=True)


def build_app(services: Services, commands: Commands | None = None) -> AsyncApp:
    """The bolt app; needs ``SLACK_SIGNING_SECRET`` (raises ValueError without it)."""
    secrets = services.settings.secrets
    if secrets.slack_signing_secret is None:
        raise ValueError("the Slack command server needs SLACK_SIGNING_SECRET")
    token = secrets.slack_bot_token.get_secret_value() if secrets.slack_bot_token else None

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)

    app = AsyncApp(
        signing_secret=secrets.slack_signing_secret.get_secret_value(),
        authorize=authorize,
        logger=logging.getLogger("slack_bolt"),
    )
    commands = commands or Commands(services)

    async def on_command(ack: Any, command: dict[str, Any]) -> None:
        async with commands.busy():
            await answer(ack, command)

    async def answer(ack: Any, command: dict[str, Any]) -> None:
        verb = str(command.get("text") or "").strip().split(" ", 1)[0].lower()
        if verb == "digest":
            await ack(text=t(commands.lang, "digest_started"))
            await commands.digest(command)
            return
        messages, public = await commands.answer(command)
        first, *rest = messages
        kind = "in_channel" if public else "ephemeral"
        await ack(text=first.text, blocks=list(first.blocks), response_type=kind)
        if rest:
            follow = SlackChannel(
                WebhookPoster(str(command["response_url"]), {"response_type": kind})
            )
            for message in rest:
                await follow.send_message(message)

    async def on_error(error: Exception) -> None:
        log.error("Slack command failed: %s", type(error).__name__, exc_info=error)

    app.command(COMMAND)(on_command)
    app.error(on_error)
    return app
