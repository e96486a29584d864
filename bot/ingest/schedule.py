"""Pure poll scheduling: when a feed is next due, with exponential backoff and jitter on failure."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

RETRY_AFTER_CAP_S = 7 * 24 * 3600.0


def next_poll(
    now: datetime,
    *,
    interval_minutes: float,
    consecutive_failures: int,
    backoff_base_minutes: float,
    backoff_max_minutes: float,
    retry_after_s: float | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """The next time to poll a feed.

    A healthy feed waits its interval. A failing one waits ``base * 2**(failures-1)`` minutes,
    capped, with ±20 % jitter so that many failing feeds do not come back in lockstep; a
    Retry-After from the server (RFC 9110 §10.2.3) is a floor, never shortened.
    """
    if consecutive_failures <= 0:
        delay = timedelta(minutes=interval_minutes)
    else:
        exp = backoff_base_minutes * 2 ** min(consecutive_failures - 1, 20)
        minutes = min(exp, backoff_max_minutes)
        jitter = (rng or random).uniform(0.8, 1.2)
        delay = timedelta(minutes=max(min(minutes * jitter, backoff_max_minutes), interval_minutes))
    if retry_after_s is not None:
        # Honoured, but a server asking for more than a week is wrong, not busy.
        delay = max(delay, timedelta(seconds=min(retry_after_s, RETRY_AFTER_CAP_S)))
    return now + delay
