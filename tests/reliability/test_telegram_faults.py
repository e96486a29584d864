"""Telegram misbehaving during a scheduled digest run (the real bot, the emulator's faults).

tests/telegrambot covers each error mapped onto an outcome for one chat; here the whole scheduled
path runs (poll job → every instant chat's digest) with several chats, and the check is what each
person receives: the digest, once, whatever happened to the others.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from tests.support.telegram_emulator import TelegramEmulator, TelegramUser, make_user
from tests.support.tjwatch_bot import BotRig, store_relevant_items

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]
ITEMS = 3  # one message per digest


@pytest_asyncio.fixture
async def rig(
    tmp_path: Path,
    telegram_emulator: TelegramEmulator,
    bot_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BotRig]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as run_telegram does
    rig = BotRig.create(tmp_path, telegram_emulator, bot_token, {})
    store_relevant_items(rig.services, ITEMS)
    yield rig
    await rig.aclose()


async def eventually(check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


def people(rig: BotRig, *ids: int) -> list[TelegramUser]:
    store, now = rig.services.store, datetime.now(UTC)
    for chat_id in ids:
        store.chats.ensure(
            chat_id,
            channel="telegram",
            kind="private",
            now=now,
            defaults={"subscribed": 1, "frequency": "instant"},
        )
    return [rig.emulator.user(rig.token, user=make_user(i)) for i in ids]


def stories(person: TelegramUser) -> list[str]:
    """Every digest entry the person received (a repeat shows up twice)."""
    return [
        line
        for m in person.bot_messages()
        for line in (m.text or "").splitlines()
        if "agreement number" in line
    ]


async def test_a_blocked_chat_is_deactivated_and_the_others_get_their_digest(rig: BotRig) -> None:
    alice, bob, carol = people(rig, 501, 502, 503)
    rig.emulator.fail_next(
        "sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=502, token=rig.token
    )
    async with rig.running(first_poll_s=0.2):
        await eventually(lambda: bool(stories(alice)) and bool(stories(carol)), timeout=30)
    store = rig.services.store
    assert len(stories(alice)) == len(stories(carol)) == ITEMS
    assert stories(bob) == []
    blocked = store.chats.get(502)
    assert blocked is not None and not blocked.active
    assert store.deliveries.sent_ids("telegram", 502) == set()
    assert len(store.deliveries.sent_ids("telegram", 503)) == ITEMS


async def test_flood_control_in_a_digest_is_waited_out_and_sent_once(rig: BotRig) -> None:
    [alice] = people(rig, 511)
    rig.emulator.rate_limit_next("sendMessage", retry_after=2, chat_id=511, token=rig.token)
    async with rig.running(first_poll_s=0.2):
        await eventually(lambda: bool(stories(alice)), timeout=30)
        await asyncio.sleep(1)
    assert len(stories(alice)) == ITEMS
    calls = rig.emulator.calls("sendMessage", token=rig.token, chat_id=511)
    assert [c["error_code"] for c in calls] == [429, None]
    assert calls[1]["time"] - calls[0]["time"] >= 2.0  # waited what Telegram asked


async def test_a_dropped_connection_is_retried_and_the_digest_arrives_once(rig: BotRig) -> None:
    [alice] = people(rig, 521)
    rig.emulator.drop_next("sendMessage", chat_id=521, token=rig.token)
    async with rig.running(first_poll_s=0.2):
        await eventually(lambda: bool(stories(alice)), timeout=30)
        await asyncio.sleep(1.5)
    assert len(stories(alice)) == ITEMS
    assert len(rig.services.store.deliveries.sent_ids("telegram", 521)) == ITEMS


async def test_a_timeout_never_loses_the_digest(rig: BotRig) -> None:
    """Telegram answers after the client gave up (read timeout, 5 s). Whether it accepted the
    message cannot be known (no idempotency in the Bot API), so tjwatch sends it again: the
    digest is never lost, and at worst the person sees it twice (documented at-least-once).

    Here Telegram did accept it (the emulator handles the delayed call in full, only late), so
    this is the worst case, and the person sees the digest exactly twice: the late first copy
    and the resent one. Nothing is sent a third time."""
    [alice, bob] = people(rig, 531, 532)
    rig.emulator.delay_next("sendMessage", 6, chat_id=531, token=rig.token)
    started = time.monotonic()
    async with rig.running(first_poll_s=0.2):
        await eventually(lambda: bool(stories(bob)), timeout=60)
        await eventually(lambda: len(stories(alice)) >= 2 * ITEMS, timeout=30)
        await asyncio.sleep(1)
    assert time.monotonic() - started >= 5
    assert len(stories(bob)) == ITEMS
    received = stories(alice)
    assert sorted(received) == sorted(stories(bob) * 2)
    calls = rig.emulator.calls("sendMessage", token=rig.token, chat_id=531)
    assert len(calls) == 2 and calls[0].get("injected") and not calls[1].get("injected")
    assert len(rig.services.store.deliveries.sent_ids("telegram", 531)) == ITEMS
