"""Language-independent signatures and their TF-IDF cosine similarity.

A signature holds the item's concept ids (``c:visit``: the same in every language), a consonant
skeleton of each longer word transliterated to Latin (``k:lkshn`` for both "Lukashenko" and
"Лукашенко", so names the lexicon does not know still meet across scripts) and its numbers
(``n:2030``). Document frequencies are learnt from every item seen, so that what every article
shares ("Russia", "cooperation") weighs little; ``DocumentFrequencies`` is persisted by storage.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable, Mapping

from bot.relevance.features import Features
from bot.relevance.lexicon import fold

_LATIN = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "h",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sh",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
    }
)
_VOWELS = frozenset("aeiouyhjw")
SKELETON_CHARS = 5
MIN_WORD = 5
# Concept ids weigh more than spelling skeletons: they are the part that crosses languages.
CONCEPT_WEIGHT = 2.0


@functools.lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """First letter + consonants of the Latin transliteration: a crude cross-script key."""
    latin = fold(word).replace("дж", "j").translate(_LATIN)
    if not latin:
        return ""
    out = [latin[0]]
    for ch in latin[1:]:
        if ch in _VOWELS or not ch.isalpha() or ch == out[-1]:
            continue
        out.append(ch)
    return "".join(out[:SKELETON_CHARS])


def signature(features: Features) -> Counter[str]:
    sig: Counter[str] = Counter()
    for concept, count in features.concepts.items():
        if not concept.startswith("month_"):
            sig["c:" + concept] = min(count, 3)
    for token in features.tokens:
        if len(token) >= MIN_WORD and not token.isdigit():
            key = skeleton(token)
            if len(key) >= 3:
                sig["k:" + key] += 1
    for number in features.numbers:
        if len(number) >= 2:
            sig["n:" + number] += 1
    return sig


class DocumentFrequencies:
    """How many documents named each signature token; ``dirty`` holds what changed since saving."""

    def __init__(self, counts: Mapping[str, int] | None = None, docs: int = 0) -> None:
        self.counts: dict[str, int] = dict(counts or {})
        self.docs = docs
        self.dirty: set[str] = set()

    def observe(self, sig: Iterable[str]) -> None:
        self.docs += 1
        for token in sig:
            self.counts[token] = self.counts.get(token, 0) + 1
            self.dirty.add(token)

    def idf(self, token: str) -> float:
        return math.log((self.docs + 1) / (self.counts.get(token, 0) + 1)) + 1.0


def weighted(sig: Mapping[str, int], df: DocumentFrequencies) -> dict[str, float]:
    vec = {}
    for token, count in sig.items():
        weight = (1.0 + math.log(count)) * df.idf(token)
        vec[token] = weight * CONCEPT_WEIGHT if token.startswith("c:") else weight
    return vec


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    if dot == 0.0:
        return 0.0
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    return dot / (na * nb)


# Concepts every relevant item shares say nothing about which event it reports.
_GENERIC = frozenset({"c:russia", "c:tajikistan", "c:cooperation"})


def event_tokens(features: Features) -> frozenset[str]:
    """Concept ids, numbers and name skeletons: what identifies an event in any language."""
    tokens = {"c:" + c for c in features.concepts} - _GENERIC
    tokens.update("n:" + n for n in features.numbers if len(n) >= 2)
    for token in features.tokens:
        if len(token) >= 4 and token[0].isupper() and not token.isupper():
            key = skeleton(token)
            if len(key) >= 3:
                tokens.add("k:" + key)
    return frozenset(tokens)
