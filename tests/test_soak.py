"""The soak benchmark's bookkeeping (``benchmarks.soak``): a short run on a small world, in which
the bot is made to forget what it delivered, must be caught as re-delivery.

The benchmark's figures are only as good as its ledger: a ledger that never counts anything would
report 0 re-deliveries for ever. So the bot's memory of what it sent (the ``deliveries`` and
``story_messages`` rows) is wiped after the first day; the second day's digests show the chats
their first day's items again, and the harness must say so.
"""

from __future__ import annotations

import pytest

from benchmarks.soak import soak
from benchmarks.soak_ledger import Ledger
from bot.services import Services


@pytest.mark.slow
@pytest.mark.asyncio
async def test_soak_catches_a_redelivery() -> None:
    after_first_day: dict[str, int] = {}

    async def forget_deliveries(services: Services, ledger: Ledger, day: int) -> None:
        if day != 1:
            return
        after_first_day.update(ledger.counts(), redelivered=ledger.redelivered())
        store = services.store
        for table in ("story_messages", "deliveries"):
            await store.run(store.db.execute, f"DELETE FROM {table}")

    # Eight feeds (the news searches, the slow outlets, four others) with a tenth of their
    # items about the topic: enough for every chat to get a digest on both days.
    result = await soak(2, feeds=8, topic_share=0.1, after_day=forget_deliveries)

    assert after_first_day["received"] > 0
    assert after_first_day["redelivered"] == 0
    assert result.redelivered > 0
    assert result.matched_lost == 0
    assert result.returned_as_new == 0
    assert result.counts["never_served"] == 0
    assert [d.day for d in result.days] == [1, 2]
    assert all(d.matched > 0 and d.db_mb > 0 and d.peak_pss_mb > 0 for d in result.days)
    assert all(0 < d.anon_mb < d.rss_mb for d in result.days)
