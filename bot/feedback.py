"""👍/👎 on digest entries: stored per person, and nudging that chat's relevance threshold.

Each vote moves the chat's threshold by a small step (down for 👍, up for 👎), never more than
``MAX_SHIFT`` away from the threshold the chat chose (the configured one until it chooses), so a
few clicks tune a chat but cannot switch its digests off or flood it. The votes' adjustment is
kept apart from the choice (``ChatRecord.vote_shift``): /settings shows both, and choosing a
value again, or the reset button, clears it. Re-pressing the same button changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.subscriptions import chosen_threshold, threshold
from storage import ChatRecord, Store

STEP = 0.02
MAX_SHIFT = 0.15


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    counted: bool
    """False when the person had already voted this way on this item."""
    threshold: float


def adjusted_shift(shift: float, chosen: float, vote: int, previous: int | None) -> float:
    """Pure: the votes' adjustment after a vote (``previous`` is the person's earlier vote, if
    any), within ``MAX_SHIFT`` of the ``chosen`` threshold and keeping it within 0..1."""
    if previous == vote:
        return shift
    steps = 2 if previous is not None else 1  # switching 👍→👎 undoes the first vote too
    moved = shift - vote * STEP * steps
    low, high = max(-MAX_SHIFT, -chosen), min(MAX_SHIFT, 1.0 - chosen)
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
    """Store the vote and adjust the chat's threshold; ``base`` is the configured threshold."""
    previous = await store.run(store.feedback.record, chat.id, item_id, user_id, vote, now)
    shift = adjusted_shift(chat.vote_shift, chosen_threshold(chat, base), vote, previous)
    if shift != chat.vote_shift:
        updated = await store.run(store.chats.update, chat.id, now, vote_shift=shift)
        chat = updated or chat
    return FeedbackResult(previous != vote, threshold(chat, base))
