"""pytest fixtures for the Telegram emulator.

Import them in a conftest.py (``from tests.support.telegram_emulator.fixtures import *``).
A missing ``node`` skips the tests locally and fails them when ``CI=true``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import (
    EmulatorError,
    TelegramEmulator,
    TelegramUser,
    ensure_installed,
    require_node,
    skip_or_fail,
)

__all__ = ["bot_token", "telegram_emulator", "tg_user"]


@pytest.fixture(scope="session")
def telegram_emulator() -> Iterator[TelegramEmulator]:
    """One emulator for the whole session (state is split by bot token)."""
    require_node()
    try:
        ensure_installed()
    except EmulatorError as exc:
        skip_or_fail(f"cannot install the Telegram emulator (npm ci): {exc}")
    emulator = TelegramEmulator(install=False)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def bot_token(telegram_emulator: TelegramEmulator) -> Iterator[str]:
    """A fresh bot token; its leftover injected faults are removed afterwards."""
    token = telegram_emulator.new_token()
    yield token
    if telegram_emulator.running:
        telegram_emulator.clear_faults(token=token)


@pytest.fixture
def tg_user(telegram_emulator: TelegramEmulator, bot_token: str) -> TelegramUser:
    """A person in a private chat with the bot ``bot_token``."""
    return telegram_emulator.user(bot_token, first_name="Alice")
