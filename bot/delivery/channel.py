"""The channel abstraction: Telegram, Slack and the console each implement ``Channel``.

A channel renders a ``Digest`` its own way and sends it to one chat. What happened comes back as
an outcome value; the outbox decides what to record. Adding a channel (email, Matrix) is adding a
module that implements this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.models import Digest
from storage import ChatRecord


@dataclass(frozen=True, slots=True)
class Sent:
    message_ids: tuple[int, ...] = ()


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
