"""Story grouping: reports of one event, from any outlet and in any language, become one story.

Each relevant item gets a language-independent token set (concept ids, numbers, and the Latin
consonant skeletons of capitalised names); a MinHash LSH index (``bot.relevance.minhash``) finds
the earlier items whose sets are similar, so grouping costs about the same per item however many
are stored (never all pairs). A candidate joins its best match's story when their Jaccard
similarity reaches the config's ``[thresholds] story_grouping`` and they were published within
``GROUP_WINDOW_DAYS``.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.models import Item, Verdict
from bot.relevance.minhash import LSHIndex, MinHasher, Signature
from bot.relevance.seed_scorer import SeedScorer
from bot.relevance.similarity import event_tokens

NUM_PERM = 64
GROUP_WINDOW_DAYS = 7
# LSH recalls candidates from a lower Jaccard than the final check, so few true pairs are missed.
LSH_RECALL_FACTOR = 0.6
# Items of one story kept in the LSH index: enough to match its variants, few enough to stay fast.
# A story keeps its newest ones, so that a story running for days still has representatives
# within the window of its next report (issue 22).
MAX_REPRESENTATIVES = 8


@functools.cache
def _hasher() -> MinHasher:
    """One set of permutations for every signature: generating them costs more than hashing."""
    return MinHasher(NUM_PERM)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


@dataclass(frozen=True, slots=True)
class _Member:
    story_id: int
    tokens: frozenset[str]
    published: datetime


class StoryIndex:
    """In-memory index of grouped items; pure (no storage): tested and benchmarked alone.

    Two bounds keep each query's cost flat however many items were grouped: a story is represented
    in the LSH by at most ``MAX_REPRESENTATIVES`` of its items, the newest (a big story does not
    flood every query with candidates, and a long one stays joinable), and items published more
    than two windows before the newest one leave the index (they can no longer join anything).
    """

    def __init__(self, threshold: float, window: timedelta = timedelta(days=GROUP_WINDOW_DAYS)):
        self.threshold = threshold
        self.window = window
        lsh_threshold = max(0.05, threshold * LSH_RECALL_FACTOR)
        self._lsh = LSHIndex(lsh_threshold, NUM_PERM)
        self._members: dict[str, _Member] = {}
        self._per_story: dict[int, deque[str]] = {}
        self._order: deque[tuple[datetime, str]] = deque()
        self._newest: datetime | None = None
        self._last: tuple[frozenset[str], Signature | None] = (frozenset(), None)  # best → add

    def __len__(self) -> int:
        return len(self._members)

    def best(self, tokens: frozenset[str], published: datetime) -> tuple[int, float] | None:
        """The story of the most similar earlier item, when similar enough and close in time."""
        if not tokens:
            return None
        best: tuple[int, float] | None = None
        signature = _hasher().signature(tokens)
        self._last = (tokens, signature)
        for key in self._lsh.query(signature):
            member = self._members[key]
            if abs(member.published - published) > self.window:
                continue
            similarity = jaccard(tokens, member.tokens)
            if similarity >= self.threshold and (best is None or similarity > best[1]):
                best = (member.story_id, similarity)
        return best

    def add(self, item_id: str, story_id: int, tokens: frozenset[str], published: datetime) -> None:
        if item_id in self._members or not tokens:
            return
        representatives = self._per_story.setdefault(story_id, deque())
        if len(representatives) >= MAX_REPRESENTATIVES:
            oldest = representatives.popleft()
            if self._members.pop(oldest, None) is not None:
                self._lsh.remove(oldest)
        representatives.append(item_id)
        self._members[item_id] = _Member(story_id, tokens, published)
        last_tokens, last = self._last  # best() has just signed these tokens, as a rule
        if last is None or last_tokens != tokens:
            last = _hasher().signature(tokens)
        self._lsh.insert(item_id, last)
        self._order.append((published, item_id))
        if self._newest is None or published > self._newest:
            self._newest = published
        self._evict()

    def _evict(self) -> None:
        assert self._newest is not None
        horizon = self._newest - 2 * self.window
        while self._order and self._order[0][0] < horizon:
            _, key = self._order.popleft()
            member = self._members.pop(key, None)
            if member is not None:
                self._lsh.remove(key)
                representatives = self._per_story[member.story_id]
                representatives.remove(key)
                if not representatives:
                    del self._per_story[member.story_id]


@dataclass(frozen=True, slots=True)
class Placement:
    """A relevant item's place: the story it joined, and the tokens it was grouped by."""

    item: Item
    story_id: int
    tokens: frozenset[str]


class StoryGrouper:
    """Places relevant items in stories; keeps no store: the caller records what it places.

    ``assign`` creates a story through the caller's ``new_story`` (the caller's storage gives it
    its id) and returns the placements, which the caller records; the index remembers them, so
    the next items (in this batch or a later one) can join them. Before the first ``assign`` the
    caller hands it the stored members of the last ``history`` (``load``).
    """

    def __init__(self, threshold: float) -> None:
        self.index = StoryIndex(threshold)
        self.loaded = False

    @property
    def history(self) -> timedelta:
        """How far back stored signatures matter to the index."""
        return self.index.window * 4

    def reset(self) -> None:
        """Forget every member: stories were deleted (retention), and the next ``assign`` must
        not place an item in one of them. The caller ``load``s the stored ones again."""
        self.index = StoryIndex(self.index.threshold, self.index.window)
        self.loaded = False

    def load(self, members: Iterable[tuple[str, int, Sequence[str], datetime]]) -> None:
        """The stored members of stories (item id, story id, tokens, ``timeline_at``) of the
        last ``history``, put back in the index at start."""
        for item_id, story_id, tokens, at in members:
            self.index.add(item_id, story_id, frozenset(tokens), at)
        self.loaded = True

    def assign(
        self,
        scorer: SeedScorer,
        items: Sequence[Item],
        verdicts: Sequence[Verdict],
        new_story: Callable[[Item], int],
        events: Sequence[frozenset[str] | None] | None = None,
    ) -> list[Placement]:
        """The relevant items' stories, in order; ``new_story(item)`` founds one led by the item.

        ``events``: each item's ``event_tokens`` where a parse worker read them (``Reading``);
        None, or an item's None, and they are read here with ``scorer``.
        """
        placed: list[Placement] = []
        known = events or [None] * len(items)
        for item, verdict, given in zip(items, verdicts, known, strict=True):
            if not verdict.relevant:
                continue
            tokens = (
                given
                if given is not None
                else event_tokens(scorer.features(item), scorer.lexicon.countries)
            )
            hit = self.index.best(tokens, item.timeline_at)
            story_id = hit[0] if hit else new_story(item)
            self.index.add(item.id, story_id, tokens, item.timeline_at)
            placed.append(Placement(item, story_id, tokens))
        return placed
