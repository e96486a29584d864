"""Backoff with jitter, capped, with Retry-After as a floor (pure)."""

from __future__ import annotations

import random
from datetime import timedelta

from bot.ingest.schedule import next_poll
from tests.ingest.conftest import NOW


def _wait(failures: int, retry_after: float | None = None, seed: int = 1) -> timedelta:
    return (
        next_poll(
            NOW,
            interval_minutes=15,
            consecutive_failures=failures,
            backoff_base_minutes=5,
            backoff_max_minutes=240,
            retry_after_s=retry_after,
            rng=random.Random(seed),
        )
        - NOW
    )


def test_healthy_feed_waits_its_interval() -> None:
    assert _wait(0) == timedelta(minutes=15)


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    for failures, minutes in ((3, 20), (4, 40), (5, 80), (6, 160)):
        waits = {_wait(failures, seed=s) for s in range(20)}
        assert all(
            timedelta(minutes=minutes * 0.8) <= w <= timedelta(minutes=minutes * 1.2) for w in waits
        )
        assert len(waits) > 1  # jittered, so failing feeds do not come back in lockstep
    assert all(_wait(30, seed=s) <= timedelta(minutes=240) for s in range(20))
    assert _wait(1) == timedelta(minutes=15)  # never sooner than the normal interval


def test_retry_after_is_a_floor_and_absurd_values_are_capped() -> None:
    assert _wait(1, retry_after=3 * 3600) == timedelta(hours=3)
    assert _wait(6, retry_after=60) >= timedelta(minutes=128)
    assert _wait(1, retry_after=365 * 86400) == timedelta(days=7)
