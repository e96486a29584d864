"""What the scorer reads in an item, taken where the item is parsed.

Reading an item (tokenising it and finding the lexicon's concepts in it) is most of scoring and
needs nothing but the item and the vocabulary, so the poll cycle's parse workers do it beside
parsing, in parallel; the scorer in the bot's process adds only what needs the state it keeps
(document frequencies, the seeds). ``LexiconTerms`` is the configured part of the vocabulary (the
topic and the config's rule words) in a picklable, hashable form: a worker builds its lexicon from
it once and keeps it.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import Any

from bot.pickled import as_values
from bot.relevance import lexicon, similarity
from bot.relevance.features import SENTENCE, Features, Sentence, body_of, extract
from bot.relevance.lexicon import Lexicon, load_lexicon, tokenize
from bot.relevance.seeds import LEDE_CHARS
from bot.relevance.similarity import event_tokens, signature
from bot.topic import Topic


@dataclass(frozen=True, slots=True)
class LexiconTerms:
    """What the configuration adds to the engine's vocabulary. Compared and hashed by ``key``,
    a digest of the rest: a worker gets one with every feed and looks its lexicon up by it."""

    topic: Topic = field(compare=False)
    words: tuple[tuple[str, tuple[str, ...]], ...] = field(default=(), compare=False)
    """The config's rule words, by the concept they join: ((concept, (word, ...)), ...)."""
    key: str = field(init=False, default="")

    def __post_init__(self) -> None:
        digest = hashlib.sha256(repr((self.topic, self.words)).encode()).hexdigest()
        object.__setattr__(self, "key", digest)


@dataclass(frozen=True, slots=True)
class Reading:
    """The features without their word lists (``tokens``): of the words, the scorer needs only
    the signature, which is smaller to send from a worker and to hold until the item is scored."""

    features: Features
    """The headline and the body (``body_of``: the summary, then the start of the full text)."""
    lede: Features
    """The headline and the body's first ``LEDE_CHARS``: the same object when the body is short."""
    signature: dict[str, int]
    """``similarity.signature`` of ``features``."""
    events: frozenset[str] | None = None
    """``similarity.event_tokens`` of ``features`` (story grouping), for an item naming both
    sides: at any relevance threshold above one country's score (``verdict.ONE_SIDE``) only
    such an item is relevant; the scorer reads them itself for any other relevant item."""
    sentences: tuple[tuple[str, frozenset[str]], ...] | None = None
    """``sentence_events`` of the headline and summary (what is new), for the same items."""

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        """Parse workers send thousands a cycle (``bot.pickled``)."""
        return as_values(self)


def read(lexicon: Lexicon, title: str, summary: str, text: str | None) -> Reading:
    """The item as the scorer reads it. For an item naming both sides, also what a relevant
    item needs after scoring, read here while the words are at hand (the bot's process, whose
    vocabulary cache has seen few of them, would read them again)."""
    body = body_of(summary, text)
    # A body longer than the lede: the lede's headline and whole sentences are the body's, read
    # once for both.
    shared: dict[str, Sentence] | None = None if len(body) <= LEDE_CHARS else {}
    features = extract(lexicon, title, body, shared)
    lede = features if shared is None else extract(lexicon, title, body[:LEDE_CHARS], shared)
    both = features.both
    slim = features.without_tokens()
    return Reading(
        slim,
        slim if lede is features else lede.without_tokens(),
        signature(features),
        event_tokens(features, lexicon.countries) if both else None,
        sentence_events(lexicon, title, summary) if both else None,
    )


def sentence_events(
    lexicon: Lexicon, title: str, summary: str
) -> tuple[tuple[str, frozenset[str]], ...]:
    """The headline's and the summary's sentences that could say what an item adds to a story,
    each with its ``event_tokens`` (concepts, numbers, names), in order: not those of fewer than
    four words or naming nothing."""
    found = []
    for sentence in [title, *SENTENCE.split(summary)]:
        if len(tokenize(sentence)) < 4:
            continue
        words = event_tokens(extract(lexicon, "", sentence), lexicon.countries)
        if words:
            found.append((sentence.strip(), words))
    return tuple(found)


@functools.cache
def lexicon_for(terms: LexiconTerms) -> Lexicon:
    """The engine's vocabulary with the topic and the config's words, built once per process."""
    return load_lexicon(terms.topic, {concept: list(words) for concept, words in terms.words})


def lexicon_ready(terms: LexiconTerms) -> None:
    """Build this process's lexicon for ``terms`` ahead of need (a worker's start)."""
    lexicon_for(terms)


def forget_words() -> None:
    """Empty this process's per-word caches (stems, folded forms, spelling keys).

    They fill as words come, up to ``lexicon.VOCABULARY_CACHE`` words each: right for a parse
    worker, which reads tens of thousands of words a cycle, and too much for the bot of a
    deployment of a few feeds, which reads them in its own process a few thousand items a cycle
    and would keep weeks of new words. That bot forgets them after each cycle: it holds one
    cycle's words at most, and stems them again next time (a fraction of a second).
    """
    lexicon.forget_words()
    similarity.forget_words()


def words_cached() -> int:
    """How many words this process's per-word caches hold (the largest of them)."""
    return max(lexicon.words_cached(), similarity.words_cached())
