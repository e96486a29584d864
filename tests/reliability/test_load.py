"""Load: 1,000 subscribed chats get their digest within Telegram's rate limits, and the bot
answers a person's command while that delivery runs.

The real bot (``build_application``: the scheduled poll, then every instant chat's digest)
against the emulator. The emulator does not throttle, so Telegram's flood control is judged on
its call log: every sendMessage's arrival time is replayed through the limit Telegram documents
for bots (about 30 messages a second overall, one a second per chat), as a token bucket of 30
refilled at 30 a second; a message the bucket has no token for is one Telegram would have
answered with 429. Without python-telegram-bot's ``AIORateLimiter`` the same delivery arrives
at a few hundred a second and most of it would be refused.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.reliability.support import query
from tests.support.telegram_emulator import TelegramEmulator, make_user
from tests.support.tjwatch_bot import BotRig, store_relevant_items

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.asyncio]
CHATS = 1000
FIRST_CHAT = 10_000
ITEMS = 3  # one message per digest
TELEGRAM_RATE = 30.0  # messages a second, overall (core.telegram.org/bots/faq#broadcasting)
JITTER_S = 0.05  # arrival times are taken by the emulator, after the HTTP hop


def flood_refusals(times: list[float], rate: float = TELEGRAM_RATE) -> int:
    """How many of these sends a token bucket of ``rate`` tokens, refilled at ``rate`` a second,
    would have refused (each arrival may be up to ``JITTER_S`` late)."""
    tokens, last, refused = rate, None, 0
    for at in sorted(times):
        if last is not None:
            tokens = min(rate, tokens + (at - last + JITTER_S) * rate)
        last = at
        if tokens >= 1:
            tokens -= 1
        else:
            refused += 1
    return refused


def busiest_second(times: list[float]) -> int:
    ordered, best, start = sorted(times), 0, 0
    for end, at in enumerate(ordered):
        while ordered[start] <= at - 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest_asyncio.fixture
async def crowded(
    tmp_path: Path,
    telegram_emulator: TelegramEmulator,
    bot_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BotRig]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as run_telegram does
    rig = BotRig.create(tmp_path, telegram_emulator, bot_token, {})
    store_relevant_items(rig.services, ITEMS)
    store, now = rig.services.store, datetime.now(UTC)
    for chat_id in range(FIRST_CHAT, FIRST_CHAT + CHATS):
        store.chats.ensure(
            chat_id,
            channel="telegram",
            kind="private",
            now=now,
            defaults={"subscribed": 1, "frequency": "instant"},
        )
    yield rig
    await rig.aclose()


def delivered_chats(db: Path) -> int:
    return int(
        query(
            db,
            "SELECT count(DISTINCT chat_id) FROM deliveries "
            "WHERE channel = 'telegram' AND status = 'sent'",
        )[0][0]
    )


async def test_a_thousand_chats_within_the_rate_limit_while_commands_are_answered(
    crowded: BotRig,
) -> None:
    rig, db = crowded, crowded.settings.database_path
    person = rig.emulator.user(rig.token, user=make_user(99))
    started = time.monotonic()
    async with rig.running(first_poll_s=0.2):
        while delivered_chats(db) < 50:  # the delivery is well under way
            assert time.monotonic() - started < 120, (
                "the delivery did not start",
                len(rig.emulator.calls(token=rig.token)),
                query(db, "SELECT channel, status, count(*) FROM deliveries GROUP BY 1, 2"),
            )
            await asyncio.sleep(0.1)
        asked = time.monotonic()
        person.send_command("/stats")
        [stats] = await person.wait_for_messages_async(timeout=30)
        answered_s = time.monotonic() - asked
        during = delivered_chats(db)
        while delivered_chats(db) < CHATS:
            assert time.monotonic() - started < 300, f"{delivered_chats(db)} chats after 300 s"
            await asyncio.sleep(0.2)
    assert "Statistics" in (stats.text or "")
    assert during < CHATS, "the command was answered only after the delivery"

    calls: list[dict[str, Any]] = rig.emulator.calls("sendMessage", token=rig.token)
    digests = [c for c in calls if c["chat_id"] != person.chat["id"]]
    times = [float(c["time"]) for c in digests]
    per_chat = Counter(c["chat_id"] for c in digests if c["error_code"] is None)
    too_many = sum(1 for c in calls if c["error_code"] == 429)
    took = max(times) - min(times)
    refused = flood_refusals(times)
    print(
        f"\n{CHATS} chats: delivered in {took:.1f} s ({len(times) / took:.1f} messages/s, "
        f"busiest second {busiest_second(times)}), 429 answers {too_many}, "
        f"sends Telegram's limit would refuse {refused}; /stats answered in "
        f"{answered_s:.2f} s with {during} chats served"
    )
    assert len(per_chat) == CHATS and set(per_chat.values()) == {1}  # each once
    assert query(db, "SELECT count(*) FROM deliveries WHERE status = 'sent'")[0][0] == CHATS * ITEMS
    assert too_many == 0
    assert refused == 0
    assert answered_s < 5
