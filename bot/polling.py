"""Pausing and resuming the poll cycle (admin /pause, /resume); survives a restart."""

from __future__ import annotations

from bot.services import Services

_KEY = "polling_paused"


async def is_paused(services: Services) -> bool:
    return await services.store.run(services.store.state.get, _KEY, "0") == "1"


async def set_paused(services: Services, paused: bool) -> bool:
    """Pause or resume; False when it already was in that state."""
    if await is_paused(services) == paused:
        return False
    await services.store.run(services.store.state.set, _KEY, "1" if paused else "0")
    return True
