"""The console: digests printed to a text stream (stdout in console mode)."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.delivery.channel import SendOutcome, Sent
from bot.models import Digest, FollowUp
from bot.render.plain import render_follow_up_plain, render_plain
from storage import ChatRecord


class ConsoleChannel:
    name = "console"

    def __init__(self, stream: TextIO | None = None, tz_name: str = "UTC") -> None:
        self._stream = stream
        self._tz = tz_name

    async def send(self, chat: ChatRecord, digest: Digest) -> SendOutcome:
        stream = self._stream or sys.stdout
        stream.write(render_plain(digest, tz_name=self._tz))
        stream.flush()
        return Sent()

    async def send_follow_up(self, chat: ChatRecord, follow_up: FollowUp) -> SendOutcome:
        stream = self._stream or sys.stdout
        stream.write(render_follow_up_plain(follow_up, tz_name=self._tz))
        stream.flush()
        return Sent()
