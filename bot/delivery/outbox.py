"""Digest delivery through the deliveries table: at least once, never lost.

Items are queued as ``pending`` before the send and marked ``sent`` as the channel acknowledges
each message; ``pending`` items are still undelivered, so a failed send, or a crash before the
send, leaves them for the next digest rather than losing them. The one boundary this cannot close
is the Bot API's own (Slack's webhooks are the same): it takes no idempotency key, so a crash
after Telegram accepted a message and before its delivery was recorded sends that message again
on the next digest. Within one process, one lock per chat keeps a scheduled digest and
``/digest`` from sending the same items at once.

Stories over time (issue 22): the message that first carried a story to a chat is recorded with
its items; later reports of that story are follow-ups (``bot.digest.compose``), delivered through
the same pending → sent records: a reply each (``thread``), lines of the digest (``digest``), or
recorded without a message (``off``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.clock import Clock
from bot.delivery.channel import Blocked, Channel, Migrated, SendOutcome, Sent
from bot.delivery.digest_cache import DigestCache
from bot.digest.compose import compose_digest
from bot.models import Digest, FollowUp, FollowUpMode
from storage import ChatRecord, Store

log = logging.getLogger(__name__)

# Lists of undelivered items whose stories are kept (an item's story never changes).
STORY_CACHE_ENTRIES = 64

# Told of every send's outcome, by channel name (the metrics' counters).
SendObserver = Callable[[str, SendOutcome], None]
# A chat's minimum relevance (its own setting, else the configured one: ``subscriptions``).
ChatThreshold = Callable[[ChatRecord], float]
# A chat's follow-up mode (its own setting, else the configured one: ``subscriptions``).
ChatFollowUps = Callable[[ChatRecord], FollowUpMode]


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    chat_id: int
    digest: Digest
    outcome: SendOutcome | None
    """None when nothing was sent (empty digest, or a dry run)."""


def _ignore(channel: str, outcome: SendOutcome) -> None:
    pass


def _threaded(chat: ChatRecord) -> FollowUpMode:
    return FollowUpMode.THREAD


class Outbox:
    """Builds each chat's digest of undelivered items and delivers it through a channel.

    Holds what delivery needs and nothing else: the store, the clock, each chat's relevance
    threshold (the chat settings' rule, handed in), an observer of send outcomes, and its own
    state (the shared digests, one lock per chat).
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock,
        threshold: ChatThreshold,
        observe: SendObserver = _ignore,
        follow_ups: ChatFollowUps = _threaded,
    ) -> None:
        self.store = store
        self.clock = clock
        self.threshold = threshold
        self.follow_ups = follow_ups
        self.observe = observe
        self.digests = DigestCache()
        self._locks: dict[int, asyncio.Lock] = {}
        self._stories: dict[tuple[str, ...], list[int]] = {}

    async def build_digest(self, channel: str, chat: ChatRecord) -> Digest:
        """What is new for this chat; chats due together with the same items share one
        composition."""
        store = self.store
        min_score = self.threshold(chat)
        ids = await store.run(store.items.undelivered_ids, channel, chat.id, min_score)
        stories = self._stories.get(tuple(ids))
        if stories is None:  # read once for every chat with these items
            stories = await store.run(store.stories.ids_of, ids)
            if len(self._stories) >= STORY_CACHE_ENTRIES:
                self._stories.clear()
            self._stories[tuple(ids)] = stories
        seen = (
            await store.run(store.deliveries.seen_stories, channel, chat.id, stories)
            if stories
            else {}
        )
        mode = self.follow_ups(chat)
        now = self.clock.now()
        # Chats that have seen the same stories share a composition; each reply goes to the
        # chat's own message (filled in below).
        key = (tuple(ids), min_score, chat.only_new, tuple(sorted(seen)), mode)
        digest = self.digests.get(key, now)
        if digest is None:
            items = await store.run(store.items.by_ids, ids)
            digest = compose_digest(
                items,
                now=now,
                min_score=min_score,
                only_new=chat.only_new,
                seen=dict.fromkeys(seen),
                follow_ups=mode,
            )
            self.digests.put(key, digest)
        if digest.follow_ups:
            digest = replace(
                digest,
                follow_ups=tuple(
                    replace(f, reply_to=seen.get(f.story_id)) for f in digest.follow_ups
                ),
            )
        return digest

    async def deliver(
        self,
        channel: Channel,
        chat: ChatRecord,
        *,
        dry_run: bool = False,
        send_empty: bool = False,
        _migrated: bool = False,
    ) -> DeliveryReport:
        """Send the chat its digest (``send_empty``: even when nothing is new); ``dry_run``
        builds it and sends nothing."""
        async with self._locks.setdefault(chat.id, asyncio.Lock()):
            return await self._deliver(
                channel, chat, dry_run=dry_run, send_empty=send_empty, migrated=_migrated
            )

    async def _deliver(
        self,
        channel: Channel,
        chat: ChatRecord,
        *,
        dry_run: bool,
        send_empty: bool,
        migrated: bool,
    ) -> DeliveryReport:
        store = self.store
        digest = await self.build_digest(channel.name, chat)
        if dry_run:
            return DeliveryReport(chat.id, digest, None)
        if digest.quiet_ids:  # follow-ups the chat does not want shown: delivered, unseen
            quiet = list(digest.quiet_ids)
            await store.run(
                store.deliveries.mark_sent, channel.name, chat.id, quiet, self.clock.now()
            )
        outcome: SendOutcome | None = None
        if not digest.is_empty or send_empty:
            ids = list(digest.item_ids)
            await store.run(store.deliveries.queue, channel.name, chat.id, ids, self.clock.now())
            outcome = await self._send(channel, chat, digest)
            self.observe(channel.name, outcome)
        if digest.follow_ups and (outcome is None or isinstance(outcome, Sent)):
            outcome = await self._send_follow_ups(channel, chat, digest.follow_ups) or outcome
        if outcome is None:
            return DeliveryReport(chat.id, digest, None)
        now = self.clock.now()
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
                    return await self.deliver(channel, moved, send_empty=send_empty, _migrated=True)
            case _:
                log.warning("digest to chat %s not sent: %s", chat.id, outcome)
        return DeliveryReport(chat.id, digest, outcome)

    async def _send_follow_ups(
        self, channel: Channel, chat: ChatRecord, follow_ups: Sequence[FollowUp]
    ) -> SendOutcome | None:
        """One message per story, a reply to the message that carried it; stops at the first
        that is not sent (its items stay pending for the next digest). Where that message is
        gone, the follow-up sent on its own carries the story from then on."""
        store = self.store
        outcome: SendOutcome | None = None
        for follow_up in follow_ups:
            ids = list(follow_up.item_ids)
            await store.run(store.deliveries.queue, channel.name, chat.id, ids, self.clock.now())
            outcome = await channel.send_follow_up(chat, follow_up)
            self.observe(channel.name, outcome)
            if not isinstance(outcome, Sent):
                break
            await store.run(
                store.deliveries.mark_sent,
                channel.name,
                chat.id,
                ids,
                self.clock.now(),
                outcome.message_ids[0] if outcome.message_ids else None,
                message_ref=outcome.ref,
                moved=[follow_up.story_id] if outcome.alone else [],
            )
        return outcome

    async def _send(self, channel: Channel, chat: ChatRecord, digest: Digest) -> SendOutcome:
        """Send, marking items ``sent`` as each message is acknowledged.

        A channel with ``send_each`` (Telegram: one digest may be several messages) reports
        message by message, so a failure on the last message leaves only that message's items
        pending.
        """
        send_each = getattr(channel, "send_each", None)
        if send_each is None:
            outcome = await channel.send(chat, digest)
            if isinstance(outcome, Sent):
                await self._mark_sent(channel, chat, digest, digest.item_ids, outcome)
            return outcome
        message_ids: list[int] = []
        async for item_ids, outcome in send_each(chat, digest):
            if not isinstance(outcome, Sent):
                return outcome  # type: ignore[no-any-return]
            message_ids.extend(outcome.message_ids)
            await self._mark_sent(channel, chat, digest, item_ids, outcome)
        return Sent(tuple(message_ids))

    async def _mark_sent(
        self,
        channel: Channel,
        chat: ChatRecord,
        digest: Digest,
        item_ids: Sequence[str],
        sent: Sent,
    ) -> None:
        """The message's items are delivered; the stories it carried as entries are recorded
        with it, so that their later reports reply to it."""
        if not item_ids:
            return
        carried = set(item_ids)
        stories = list(
            dict.fromkeys(
                e.story_id
                for e in digest.entries
                if e.story_id is not None and e.item_ids[0] in carried
            )
        )
        await self.store.run(
            self.store.deliveries.mark_sent,
            channel.name,
            chat.id,
            list(item_ids),
            self.clock.now(),
            sent.message_ids[0] if sent.message_ids else None,
            stories=stories,
            message_ref=sent.ref,
        )
