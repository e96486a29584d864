"""👍/👎 on digest entries: stored per person, and nudging that chat's relevance threshold.

Each vote moves the chat's threshold by a small step (down for 👍, up for 👎), never more than
``MAX_SHIFT`` away from the configured threshold, so a few clicks tune a chat but cannot switch
its digests off or flood it. Re-pressing the same button changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.subscriptions import threshold
from storage import ChatRecord, Store

STEP = 0.02
MAX_SHIFT = 0.15


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    counted: bool
    """False when the person had already voted this way on this item."""
    threshold: float


def adjusted_threshold(current: float, base: float, vote: int, previous: int | None) -> float:
    """Pure: the threshold after a vote (``previous`` is the person's earlier vote, if any)."""
    if previous == vote:
        return current
    steps = 2 if previous is not None else 1  # switching 👍→👎 undoes the first vote too
    moved = current - vote * STEP * steps
    low, high = max(0.0, base - MAX_SHIFT), min(1.0, base + MAX_SHIFT)
    return round(min(high, max(low, moved)), 3)


async def record_feedback(
    store: Store,
    chat: ChatRecord,
    item_id: str,
    user_id: int,
    vote: int,
    *,
    base: float,
    now: datetime,
) -> FeedbackResult:
    """Store the vote and move the chat's threshold; ``base`` is the configured threshold."""
    previous = await store.run(store.feedback.record, chat.id, item_id, user_id, vote, now)
    current = threshold(chat, base)
    new = adjusted_threshold(current, base, vote, previous)
    if new != current:
        await store.run(store.chats.update, chat.id, now, min_score=new)
    return FeedbackResult(previous != vote, new)
