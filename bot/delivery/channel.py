"""The channel abstraction: Telegram, Slack and the console each implement ``Channel``.

A channel renders a ``Digest`` its own way and sends it to one chat. What happened comes back as
an outcome value; the outbox decides what to record. Adding a channel (email, Matrix) is adding a
module that implements this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.models import Digest, FollowUp
from storage import ChatRecord


@dataclass(frozen=True, slots=True)
class Sent:
    message_ids: tuple[int, ...] = ()
    thread_ts: str | None = None
    """Slack's ``ts`` of the (first) message posted, when the Web API gave one."""
    alone: bool = False
    """A follow-up whose story's message is gone (deleted): it went as a message of its own,
    which now carries the story in that chat."""

    @property
    def ref(self) -> str | None:
        """What a later reply names: the first message's id, else Slack's ``ts``."""
        return str(self.message_ids[0]) if self.message_ids else self.thread_ts


@dataclass(frozen=True, slots=True)
class RetryLater:
    seconds: float
    reason: str


@dataclass(frozen=True, slots=True)
class Blocked:
    """The chat is gone for us (bot blocked, kicked, channel deleted): stop sending to it."""

    reason: str


@dataclass(frozen=True, slots=True)
class Migrated:
    new_chat_id: int


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str


SendOutcome = Sent | RetryLater | Blocked | Migrated | Failed


class Channel(Protocol):
    name: str

    async def send(self, chat: ChatRecord, digest: Digest) -> SendOutcome: ...

    async def send_follow_up(self, chat: ChatRecord, follow_up: FollowUp) -> SendOutcome:
        """Later reports of a story: a reply to ``follow_up.reply_to`` where the channel can,
        else a message of its own that names the story (``Sent.alone`` when the message to
        reply to is gone)."""
        ...
