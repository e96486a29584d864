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
from bot.relevance.lexicon import VOCABULARY_CACHE, fold

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


@functools.lru_cache(maxsize=VOCABULARY_CACHE)
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


# Each distinct word's ``k:<skeleton>`` (None: too short to carry one); starts over when full.
_WORD_KEYS: dict[str, str | None] = {}
WORD_KEYS_MAX = VOCABULARY_CACHE


def _word_key(token: str) -> str | None:
    if len(token) >= MIN_WORD and not token.isdigit():
        sk = skeleton(token)
        return "k:" + sk if len(sk) >= 3 else None
    return None


def forget_words() -> None:
    """Empty the per-word caches of spelling skeletons and signature keys."""
    skeleton.cache_clear()
    _WORD_KEYS.clear()


def words_cached() -> int:
    return max(skeleton.cache_info().currsize, len(_WORD_KEYS))


def signature(features: Features) -> dict[str, int]:
    sig: dict[str, int] = {}
    for concept, count in features.concepts.items():
        if not concept.startswith("month_"):
            sig["c:" + concept] = min(count, 3)
    tokens = features.tokens
    unseen = set(tokens).difference(_WORD_KEYS)
    if len(_WORD_KEYS) + len(unseen) > WORD_KEYS_MAX:
        _WORD_KEYS.clear()
        unseen = set(tokens)
    for token in unseen:
        _WORD_KEYS[token] = _word_key(token)
    # Counted by Counter's C loop and added by dict.update's: the words are most of a signature.
    keys = Counter(map(_WORD_KEYS.__getitem__, tokens))
    keys.pop(None, None)
    sig.update(keys)  # type: ignore[arg-type]
    get = sig.get
    for number in features.numbers:
        if len(number) >= 2:
            sig["n:" + number] = get("n:" + number, 0) + 1
    return sig


# Signature tokens whose document frequencies are kept (~100 bytes each in memory). Most new
# tokens are numbers and names a single item carried; the vocabulary grows with them for as long
# as the bot runs unless the rarest are forgotten (``forget_rare``).
MAX_TOKENS = 50_000


class DocumentFrequencies:
    """How many documents named each signature token; ``dirty`` holds what changed since saving,
    ``forgotten`` what was dropped since saving (``forget_rare``)."""

    def __init__(
        self,
        counts: Mapping[str, int] | None = None,
        docs: int = 0,
        *,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        self.counts: Counter[str] = Counter(counts or {})
        self.docs = docs
        self.max_tokens = max_tokens
        self.dirty: set[str] = set()
        self.forgotten: set[str] = set()

    def observe(self, sig: Iterable[str]) -> None:
        self.docs += 1
        self.counts.update(iter(sig))  # an iterator, not a mapping: counted in Counter's C loop
        self.dirty.update(sig)

    def idf(self, token: str) -> float:
        return math.log((self.docs + 1) / (self.counts.get(token, 0) + 1)) + 1.0

    def forget_rare(self) -> None:
        """Past ``max_tokens``, forget the tokens named by the fewest documents (one, or as few as
        it takes to get under the limit): a token forgotten weighs as one never seen, which is
        nearly what a token seen once weighs, and counts again from zero if it comes back."""
        counts = self.counts
        fewest = 0
        while len(counts) > self.max_tokens:
            fewest += 1
            rare = [token for token, n in counts.items() if n <= fewest]
            for token in rare:
                del counts[token]
            self.dirty.difference_update(rare)
            self.forgotten.update(rare)


def weighted(sig: Mapping[str, int], df: DocumentFrequencies) -> dict[str, float]:
    vec = {}
    log, counts = math.log, df.counts
    top = log(df.docs + 1) + 1.0
    for token, count in sig.items():
        # idf = log((docs + 1) / (df + 1)) + 1, written out: this loop is the scorer's hot path
        weight = (1.0 + log(count) if count > 1 else 1.0) * (top - log(counts.get(token, 0) + 1))
        vec[token] = weight * CONCEPT_WEIGHT if token[0] == "c" else weight
    return vec


def norm(vec: Mapping[str, float]) -> float:
    return math.hypot(*vec.values())


def cosine(
    a: Mapping[str, float],
    b: Mapping[str, float],
    norm_a: float | None = None,
    norm_b: float | None = None,
) -> float:
    """Cosine of two weighted vectors; pass the norms when a vector is reused (a seed).

    The product runs over the tokens the two share (a set intersection, most tokens are not
    shared), summed exactly (``fsum``), so the result does not depend on the set's order."""
    shared = a.keys() & b.keys()
    if not shared:
        return 0.0
    dot = math.fsum(a[t] * b[t] for t in shared)
    if dot == 0.0:
        return 0.0
    return dot / ((norm(a) if norm_a is None else norm_a) * (norm(b) if norm_b is None else norm_b))


# Concepts every relevant item shares say nothing about which event it reports: these, and the
# sides' countries.
_GENERIC = frozenset({"cooperation"})


def event_tokens(features: Features, countries: frozenset[str]) -> frozenset[str]:
    """Concept ids, numbers and name skeletons: what identifies an event in any language.

    ``countries``: the topic's two country concepts (``Lexicon.countries``), named by every
    relevant item."""
    tokens = {"c:" + c for c in features.concepts if c not in _GENERIC and c not in countries}
    tokens.update("n:" + n for n in features.numbers if len(n) >= 2)
    for token in features.tokens:
        if len(token) >= 4 and token[0].isupper() and not token.isupper():
            key = skeleton(token)
            if len(key) >= 3:
                tokens.add("k:" + key)
    return frozenset(tokens)
