"""Exactly-once digest delivery through the deliveries table.

Items are queued as ``pending`` before the send and marked ``sent`` right after the channel
acknowledges it; ``pending`` items are still undelivered, so a crash between the two resends them
on the next digest rather than losing them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.delivery.channel import Blocked, Channel, Migrated, SendOutcome, Sent
from bot.digest.compose import compose_digest
from bot.models import Digest
from bot.services import Services
from storage import ChatRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    chat_id: int
    digest: Digest
    outcome: SendOutcome | None
    """None when nothing was sent (empty digest, or a dry run)."""


async def build_digest(services: Services, channel: str, chat: ChatRecord) -> Digest:
    """What is new for this chat; chats due together with the same items share one composition."""
    store = services.store
    default = services.settings.file.thresholds.relevance
    min_score = chat.min_score if chat.min_score is not None else default
    ids = await store.run(store.items.undelivered_ids, channel, chat.id, min_score)
    now = services.clock.now()
    key = (tuple(ids), min_score, chat.only_new)
    digest = services.digests.get(key, now)
    if digest is None:
        items = await store.run(store.items.by_ids, ids)
        digest = compose_digest(items, now=now, min_score=min_score, only_new=chat.only_new)
        services.digests.put(key, digest)
    return digest


async def deliver_digest(
    services: Services,
    channel: Channel,
    chat: ChatRecord,
    *,
    dry_run: bool = False,
    send_empty: bool = False,
    _migrated: bool = False,
) -> DeliveryReport:
    async with services.chat_lock(chat.id):
        return await _deliver(
            services, channel, chat, dry_run=dry_run, send_empty=send_empty, migrated=_migrated
        )


async def _deliver(
    services: Services,
    channel: Channel,
    chat: ChatRecord,
    *,
    dry_run: bool,
    send_empty: bool,
    migrated: bool,
) -> DeliveryReport:
    store = services.store
    digest = await build_digest(services, channel.name, chat)
    if dry_run or (not digest.entries and not send_empty):
        return DeliveryReport(chat.id, digest, None)
    ids = list(digest.item_ids)
    await store.run(store.deliveries.queue, channel.name, chat.id, ids, services.clock.now())
    outcome = await _send(services, channel, chat, digest)
    services.metrics.observe_send(channel.name, outcome)
    now = services.clock.now()
    match outcome:
        case Sent():
            await store.run(store.chats.mark_digest, chat.id, now)
        case Blocked(reason):
            log.warning("chat %s is unreachable (%s): marked inactive", chat.id, reason)
            await store.run(store.chats.update, chat.id, now, active=False)
        case Migrated(new_id):
            log.info("chat %s migrated to %s", chat.id, new_id)
            await store.run(store.chats.migrate, chat.id, new_id)
            moved = await store.run(store.chats.get, new_id)
            if moved is not None and moved.id != chat.id and not migrated:
                return await deliver_digest(
                    services, channel, moved, send_empty=send_empty, _migrated=True
                )
        case _:
            log.warning("digest to chat %s not sent: %s", chat.id, outcome)
    return DeliveryReport(chat.id, digest, outcome)


async def _send(
    services: Services, channel: Channel, chat: ChatRecord, digest: Digest
) -> SendOutcome:
    """Send, marking items ``sent`` as each message is acknowledged.

    A channel with ``send_each`` (Telegram: one digest may be several messages) reports message
    by message, so a failure on the last message leaves only that message's items pending.
    """
    send_each = getattr(channel, "send_each", None)
    if send_each is None:
        outcome = await channel.send(chat, digest)
        if isinstance(outcome, Sent):
            await _mark_sent(services, channel, chat, digest.item_ids, outcome)
        return outcome
    message_ids: list[int] = []
    async for item_ids, outcome in send_each(chat, digest):
        if not isinstance(outcome, Sent):
            return outcome  # type: ignore[no-any-return]
        message_ids.extend(outcome.message_ids)
        await _mark_sent(services, channel, chat, item_ids, outcome)
    return Sent(tuple(message_ids))


async def _mark_sent(
    services: Services, channel: Channel, chat: ChatRecord, item_ids: Sequence[str], sent: Sent
) -> None:
    if item_ids:
        store = services.store
        await store.run(
            store.deliveries.mark_sent,
            channel.name,
            chat.id,
            list(item_ids),
            services.clock.now(),
            sent.message_ids[0] if sent.message_ids else None,
        )
