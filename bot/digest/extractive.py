"""Pure: the one or two sentences, quoted as written, that best represent a story.

Centroid scoring, which needs no model and works in any language the stemmer reads: a word
weighs more the more of the story's reports use it, and less the more of its sentences carry it
(function words are everywhere); words of the headlines count double. A sentence scores the mean
weight of its distinct words, so long sentences do not win by length alone. The best one or two
are returned in the order they were written, within ``max_chars``, and in one language (a
Russian sentence followed by an English one reads as a glitch).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.relevance.lexicon import stems

# Read no further than this into an article: ledes carry the story, and speed matters.
TEXT_CHARS = 4000
MIN_SENTENCE = 40
MAX_SENTENCE = 320
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»”')]*\s+(?=[\"«“(\[]?[0-9A-ZА-ЯЁҶҲҚҒӮӢ])")


@dataclass(frozen=True, slots=True)
class Document:
    """One report: its headline and the body to quote from (full text where fetched)."""

    title: str
    body: str
    lang: str | None = None


def sentences(text: str) -> list[str]:
    flat = " ".join(text[:TEXT_CHARS].split())
    return [s.strip() for s in _SENTENCE_END.split(flat) if s.strip()]


def _words(text: str) -> set[str]:
    return {s for s in stems(text) if len(s) >= 3 and not s.isdigit()}


def extract(docs: Sequence[Document], *, max_sentences: int = 2, max_chars: int = 360) -> str:
    """The representative sentences of the story; the first report's body when none qualifies."""
    candidates: list[tuple[int, int, str, set[str]]] = []
    member_words: Counter[str] = Counter()
    title_words: set[str] = set()
    for d, doc in enumerate(docs):
        title_words |= _words(doc.title)
        seen: set[str] = set()
        for s, sentence in enumerate(sentences(doc.body)):
            words = _words(sentence)
            seen |= words
            if MIN_SENTENCE <= len(sentence) <= MAX_SENTENCE and words:
                candidates.append((d, s, sentence, words))
        member_words.update(seen | _words(doc.title))
    if not candidates:
        return _fallback(docs, max_chars)
    sentence_freq: Counter[str] = Counter()
    for *_, words in candidates:
        sentence_freq.update(words)
    total = len(candidates)

    def weight(word: str) -> float:
        idf = math.log(1 + total / sentence_freq[word])
        return member_words[word] * idf * (2.0 if word in title_words else 1.0)

    scored = sorted(
        candidates,
        key=lambda c: (-sum(weight(w) for w in c[3]) / math.sqrt(len(c[3])), c[0], c[1]),
    )
    chosen: list[tuple[int, int, str, set[str]]] = []
    used = 0
    for candidate in scored:
        if len(chosen) == max_sentences:
            break
        if any(_similar(candidate[3], c[3]) for c in chosen):
            continue  # the same sentence from another outlet adds nothing
        if chosen and docs[candidate[0]].lang != docs[chosen[0][0]].lang:
            continue
        if used + len(candidate[2]) + 1 > max_chars:
            continue
        chosen.append(candidate)
        used += len(candidate[2]) + 1
    if not chosen:
        return _fallback(docs, max_chars)
    chosen.sort(key=lambda c: (c[0], c[1]))
    return " ".join(c[2] for c in chosen)


def _similar(a: set[str], b: set[str]) -> bool:
    return len(a & b) / max(1, min(len(a), len(b))) > 0.6


def _fallback(docs: Sequence[Document], max_chars: int) -> str:
    for doc in docs:
        flat = " ".join(doc.body.split())
        if flat:
            return flat if len(flat) <= max_chars else flat[: max_chars - 1].rsplit(" ", 1)[0] + "…"
    return ""
