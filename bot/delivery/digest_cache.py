"""Digests composed once for every chat that would get the same one.

After a poll, every chat on instant alerts with the default settings has the same undelivered
items: their rows are read and the digest composed once, not once a chat (the figures:
benchmarks/NOTES.md). The key is the exact list of item ids with the settings that shape the
digest, and an entry lives a minute, so a digest never outlives the items it was built from by
more than that.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from bot.models import Digest, FollowUpMode

TTL = timedelta(seconds=60)
MAX_ENTRIES = 64

# Item ids, threshold, only-new, the stories the chat has seen, its follow-up mode.
DigestKey = tuple[tuple[str, ...], float, bool, tuple[int, ...], FollowUpMode]


class DigestCache:
    def __init__(self) -> None:
        self._entries: OrderedDict[DigestKey, Digest] = OrderedDict()

    def get(self, key: DigestKey, now: datetime) -> Digest | None:
        digest = self._entries.get(key)
        if digest is None:
            return None
        if now - digest.generated_at > TTL or now < digest.generated_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return digest

    def put(self, key: DigestKey, digest: Digest) -> None:
        self._entries[key] = digest
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)
