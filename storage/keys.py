"""The 64-bit key an item's id is remembered by once the item is deleted: its tombstone (m012)
and its trace (m016) are found by it."""

from __future__ import annotations

import hashlib


def tombstone_key(item_id: str) -> int:
    """The 64-bit key a deleted item's id is remembered by (a collision among a million
    tombstones has odds of about 1 in 30 million)."""
    digest = hashlib.blake2b(item_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
