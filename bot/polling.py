"""Pausing and resuming the poll cycle (admin /pause, /resume); survives a restart."""

from __future__ import annotations

from bot.health import PAUSED_KEY
from storage import Store


async def is_paused(store: Store) -> bool:
    return await store.run(store.state.get, PAUSED_KEY, "0") == "1"


async def set_paused(store: Store, paused: bool) -> bool:
    """Pause or resume; False when it already was in that state."""
    if await is_paused(store) == paused:
        return False
    await store.run(store.state.set, PAUSED_KEY, "1" if paused else "0")
    return True
