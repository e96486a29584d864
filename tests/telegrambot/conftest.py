"""Fixtures for the Telegram end-to-end tests (emulator: tests/support/telegram_emulator)."""

from __future__ import annotations

import pytest

from tests.support.telegram_emulator.fixtures import bot_token, telegram_emulator, tg_user

__all__ = ["bot_token", "telegram_emulator", "tg_user"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: end-to-end against the Telegram Bot API emulator (needs node)"
    )
