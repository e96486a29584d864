"""Slack delivery: a digest rendered as Block Kit messages, sent with slack_sdk.

Two ways in, one channel: an incoming webhook (``SLACK_WEBHOOK_URL``, or a slash command's
``response_url``) or the Web API's ``chat.postMessage`` with a bot token and ``SLACK_CHANNEL``.
Slack's answers become outcomes (``bot.delivery.channel``):

    429 + Retry-After        → wait and post the same message again (up to MAX_WAIT_S in all),
                               then RetryLater
    5xx                      → one more try after SERVER_RETRY_S, then RetryLater
    invalid_blocks / invalid_payload → the same message again as text only, once
    a follow-up whose thread's parent is gone → a message of its own (``Sent.alone``), see
                               ``send_message``
    404/410, channel_not_found, no_service, invalid_token, is_archived, … → Blocked
    a connection or timeout error → RetryLater at once: Slack may have posted it, and a message
                               is never posted twice in one send (the outbox resends later)

``send_each`` yields one outcome per message, so that the outbox marks each message's items as
sent as soon as Slack has acknowledged that message; a retry never resends an acknowledged part.
Webhook URLs and tokens are never logged (they are secrets, and the log filter knows them).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from bot.delivery.channel import Blocked, Failed, RetryLater, SendOutcome, Sent
from bot.models import Digest, FollowUp
from bot.render.slack_blocks import SlackMessage, render_digest, render_follow_up
from bot.render.telegram_html import DigestLabels
from bot.render.web_pages import WebPages
from bot.settings import Settings
from storage import ChatRecord

log = logging.getLogger(__name__)

MAX_WAIT_S = 60.0
SERVER_RETRY_S = 2.0
TIMEOUT_S = 30
SLACK_ID_BASE = 1 << 60
"""Slack targets get chat ids above every Telegram id (those stay well under 2**53)."""
_GONE = {
    "channel_not_found",
    "channel_is_archived",
    "is_archived",
    "no_service",
    "no_team",
    "team_disabled",
    "invalid_token",
    "invalid_auth",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "not_in_channel",
    "action_prohibited",
    "posting_to_general_channel_denied",
}
_DEAD_THREAD = {"thread_not_found", "invalid_thread_ts"}
_BAD_BLOCKS = {"invalid_blocks", "invalid_blocks_format", "invalid_payload", "invalid_attachments"}

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PostResult:
    """What Slack answered to one post: HTTP status, Slack's error code, Retry-After."""

    status: int
    error: str | None = None
    retry_after: float | None = None
    ts: str | None = None
    """The posted message's ``ts`` (the Web API gives it; a webhook does not)."""
    unthreaded: bool = False
    """Posted with a ``thread_ts`` but not in that thread: Slack answered with a message that
    has no ``thread_ts`` (it does so when the thread's parent was deleted)."""

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


class Poster(Protocol):
    async def post(self, payload: dict[str, Any]) -> PostResult: ...


def _retry_after(headers: Mapping[str, Any]) -> float | None:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return None
    return None


class WebhookPoster:
    """An incoming webhook or a ``response_url``; ``extra`` is merged into every payload."""

    def __init__(self, url: str, extra: Mapping[str, Any] | None = None) -> None:
        # slack_sdk only where Slack is configured: a deployment without it never imports it.
        from slack_sdk.webhook.async_client import AsyncWebhookClient

        self._client = AsyncWebhookClient(url, timeout=TIMEOUT_S, retry_handlers=[])
        self._extra = dict(extra or {})

    async def post(self, payload: dict[str, Any]) -> PostResult:
        response = await self._client.send_dict({**payload, **self._extra})
        body = (response.body or "").strip()
        error = None if response.status_code == 200 and body in {"ok", ""} else (body or "error")
        return PostResult(response.status_code, error, _retry_after(response.headers or {}))


class WebApiPoster:
    """``chat.postMessage`` with a bot token; ``base_url`` points it at a test server."""

    def __init__(self, token: str, channel: str, base_url: str | None = None) -> None:
        from slack_sdk.web.async_client import AsyncWebClient

        kwargs: dict[str, Any] = {"base_url": base_url} if base_url else {}
        self._client = AsyncWebClient(token, timeout=TIMEOUT_S, retry_handlers=[], **kwargs)
        self._channel = channel

    async def post(self, payload: dict[str, Any]) -> PostResult:
        from slack_sdk.errors import SlackApiError

        try:
            response = await self._client.chat_postMessage(
                channel=self._channel, unfurl_links=False, **payload
            )
        except SlackApiError as exc:
            response = exc.response
            data = response.data if isinstance(response.data, dict) else {}
            return PostResult(
                response.status_code,
                str(data.get("error") or "error"),
                _retry_after(response.headers or {}),
            )
        ts = response.get("ts")
        message = response.get("message")
        unthreaded = (
            "thread_ts" in payload
            and isinstance(message, dict)
            and message.get("thread_ts") != payload["thread_ts"]
        )
        return PostResult(200, ts=str(ts) if ts else None, unthreaded=unthreaded)


class SlackChannel:
    name = "slack"

    def __init__(
        self,
        poster: Poster,
        labels: DigestLabels | None = None,
        *,
        max_wait_s: float = MAX_WAIT_S,
        server_retry_s: float = SERVER_RETRY_S,
        sleep: Sleep = asyncio.sleep,
        pages: WebPages | None = None,
    ) -> None:
        self._poster = poster
        self._pages = pages
        self._labels = labels or DigestLabels()
        self._max_wait = max_wait_s
        self._server_retry = server_retry_s
        self._sleep = sleep

    def render(self, chat: ChatRecord, digest: Digest) -> list[SlackMessage]:
        return render_digest(digest, self._labels, tz_name=chat.timezone, pages=self._pages)

    async def send(self, chat: ChatRecord, digest: Digest) -> SendOutcome:
        async for _items, outcome in self.send_each(chat, digest):
            if not isinstance(outcome, Sent):
                return outcome
        return Sent()

    async def send_each(
        self, chat: ChatRecord, digest: Digest
    ) -> AsyncIterator[tuple[tuple[str, ...], SendOutcome]]:
        """Post message by message; stop at the first that Slack did not take."""
        for message in self.render(chat, digest):
            outcome = await self.send_message(message)
            yield message.item_ids, outcome
            if not isinstance(outcome, Sent):
                return

    async def send_follow_up(self, chat: ChatRecord, follow_up: FollowUp) -> SendOutcome:
        """In the thread of the message that carried the story (issue 22); where there is none
        (a webhook gives no ``ts``), a message of its own that names the story."""
        message = render_follow_up(follow_up, self._labels, tz_name=chat.timezone)
        return await self.send_message(message, thread_ts=follow_up.reply_to)

    async def send_message(
        self, message: SlackMessage, thread_ts: str | None = None
    ) -> SendOutcome:
        """Post one message (in the thread of ``thread_ts`` when given).

        When that thread's parent was deleted, ``chat.postMessage`` does not fail: it posts the
        message at the channel's root and answers a ``message`` without ``thread_ts`` (reported
        in slack-go/slack#1571 and langchain-ai/open-swe#2753). A follow-up names its story, so
        that is the message of its own it should be: it is kept and reported ``alone``. Where
        Slack refuses the thread instead (``thread_not_found``, ``invalid_thread_ts``), the
        message is posted again without it, the same way.
        """
        payload = message.payload()
        if thread_ts:
            payload["thread_ts"] = thread_ts
        waited = 0.0
        server_retries = 1
        alone = False
        while True:
            try:
                result = await self._poster.post(payload)
            except (TimeoutError, aiohttp.ClientError) as exc:
                # Slack may have posted it: leave it to a later digest rather than risk a twin.
                return RetryLater(60.0, f"network error: {type(exc).__name__}")
            if result.ok:
                if result.unthreaded:
                    log.info("Slack thread %s is gone; follow-up posted on its own", thread_ts)
                return Sent(thread_ts=result.ts, alone=alone or result.unthreaded)
            if result.status == 429:
                delay = result.retry_after if result.retry_after is not None else 1.0
                if waited + delay > self._max_wait:
                    return RetryLater(delay, "Slack rate limit")
                waited += delay
                await self._sleep(delay)
                continue
            if result.status >= 500 and server_retries > 0:
                server_retries -= 1
                await self._sleep(self._server_retry)
                continue
            if result.status >= 500:
                return RetryLater(60.0, f"Slack answered {result.status}")
            error = result.error or f"HTTP {result.status}"
            if error in _DEAD_THREAD and "thread_ts" in payload:
                log.info(
                    "Slack thread %s is gone (%s); follow-up posted on its own", thread_ts, error
                )
                del payload["thread_ts"]
                thread_ts, alone = None, True
                continue
            if error in _BAD_BLOCKS and "blocks" in payload:
                log.error("Slack rejected our blocks (%s); sending text only", error)
                payload = {"text": message.text, **({"thread_ts": thread_ts} if thread_ts else {})}
                continue
            if error in _GONE or result.status in {403, 404, 410}:
                return Blocked(error)
            return Failed(error)


def slack_chat_id(key: str) -> int:
    """A stable chat id for a Slack target (``channel:C123``, a webhook), never the secret."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return SLACK_ID_BASE + int.from_bytes(digest[:5], "big")


def configured_poster(settings: Settings) -> tuple[Poster, str, str] | None:
    """The configured Slack target: (poster, stable key, title), or None when Slack is off.

    A bot token with ``SLACK_CHANNEL`` wins over a webhook (it can post to a chosen channel);
    ``SLACK_API_BASE_URL`` points the Web API elsewhere (a test server, a proxy).
    """
    secrets = settings.secrets
    if secrets.slack_bot_token is not None and secrets.slack_channel:
        base = (
            str(secrets.slack_api_base_url).rstrip("/") + "/"
            if secrets.slack_api_base_url
            else None
        )
        poster = WebApiPoster(
            secrets.slack_bot_token.get_secret_value(), secrets.slack_channel, base_url=base
        )
        return poster, f"channel:{secrets.slack_channel}", f"slack {secrets.slack_channel}"
    if secrets.slack_webhook_url is not None:
        url = secrets.slack_webhook_url.get_secret_value()
        return WebhookPoster(url), f"webhook:{url}", "slack webhook"
    return None
