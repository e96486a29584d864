"""Fixtures for the fault suite (Telegram emulator: tests/support/telegram_emulator)."""

from __future__ import annotations

from tests.support.telegram_emulator.fixtures import bot_token, telegram_emulator, tg_user

__all__ = ["bot_token", "telegram_emulator", "tg_user"]
