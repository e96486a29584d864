"""What the scorer reads in an item, taken where the item is parsed.

Reading an item (tokenising it and finding the lexicon's concepts in it) is most of scoring and
needs nothing but the item and the vocabulary, so the poll cycle's parse workers do it beside
parsing, in parallel; the scorer in the bot's process adds only what needs the state it keeps
(document frequencies, the seeds). ``LexiconTerms`` is the config's part of the vocabulary in a
picklable form: a worker builds its lexicon from it once and keeps it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from bot.pickled import as_values
from bot.relevance.features import Features, Sentence, body_of, extract
from bot.relevance.lexicon import Lexicon, load_lexicon
from bot.relevance.seeds import LEDE_CHARS
from bot.relevance.similarity import signature

# The words the config adds to lexicon concepts: ((concept, (word, ...)), ...).
LexiconTerms = tuple[tuple[str, tuple[str, ...]], ...]


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

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        """Parse workers send thousands a cycle (``bot.pickled``)."""
        return as_values(self)


def read(lexicon: Lexicon, title: str, summary: str, text: str | None) -> Reading:
    body = body_of(summary, text)
    if len(body) <= LEDE_CHARS:
        features = extract(lexicon, title, body)
        sig = signature(features)
        features = features.without_tokens()
        return Reading(features, features, sig)
    # The lede's headline and whole sentences are the body's: read once, for both.
    sentences: dict[str, Sentence] = {}
    features = extract(lexicon, title, body, sentences)
    lede = extract(lexicon, title, body[:LEDE_CHARS], sentences)
    return Reading(features.without_tokens(), lede.without_tokens(), signature(features))


@functools.cache
def lexicon_for(terms: LexiconTerms) -> Lexicon:
    """The shipped vocabulary with the config's words, built once per process and set of words."""
    return load_lexicon({concept: list(words) for concept, words in terms})


def lexicon_ready(terms: LexiconTerms) -> None:
    """Build this process's lexicon for ``terms`` ahead of need (a worker's start)."""
    lexicon_for(terms)
