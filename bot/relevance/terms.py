"""The config's keyword rules (``[rules]``), matched by the lexicon: one tokeniser, one folding.

An item matches when it names a term of every side of the topic (``[rules] <side id> = [...]``)
and no ``exclude`` term. Each term is a lexicon word (``bot.relevance.lexicon``): folded (lower
case, diacritics dropped, Tajik and Serbian letters mapped to their Russian neighbours), matched
by Snowball stem, as a prefix when its stem has five letters or more; several words match
consecutive words. The rules decide which items' article pages the full-text step fetches and
are the keyword baseline ``tjwatch eval`` compares the seed scorer with; the seed scorer gets the
same words in its side concepts (``bot.relevance.build``).

``TermSet`` is the older stem-only matcher the digest's themes still use (``bot.digest.themes``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.models import Match
from bot.relevance.lexicon import Lexicon, stem, tokenize

# Prefix matching below this stem length would be too loose ("рус" would match "русло").
MIN_PREFIX_STEM = 5
_EXCLUDE = "exclude"
__all__ = ["MIN_PREFIX_STEM", "KeywordRules", "TermSet", "stem", "stems", "tokens"]
# The themes' words: runs of letters and digits (Chinese characters too, unlike the lexicon's).
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """The themes' tokeniser (``TermSet``)."""
    return _WORD.findall(text)


def stems(text: str) -> list[str]:
    return [stem(t) for t in tokens(text)]


class KeywordRules:
    """Terms of every side, minus exclusions: one lexicon whose concepts are the terms."""

    def __init__(
        self,
        sides: Mapping[str, Iterable[str]],
        exclude: Iterable[str] = (),
        names: Mapping[str, str] | None = None,
    ) -> None:
        """``sides``: each side's id and its terms, in the topic's order; ``names``: each side's
        name for people (its id when absent)."""
        self.side_ids = tuple(sides)
        self.names = {side: (names or {}).get(side, side) for side in self.side_ids}
        self._label: dict[str, tuple[str, str]] = {}
        concepts: dict[str, list[str]] = {}
        for side, terms in (*sides.items(), (_EXCLUDE, exclude)):
            for term in dict.fromkeys(t.strip() for t in terms if t.strip()):
                concept = f"{side}:{len(self._label)}"
                self._label[concept] = (side, term)
                concepts[concept] = [term]
        self._lexicon = Lexicon(concepts, {})

    def match(self, *texts: str) -> Match:
        found: dict[str, dict[str, None]] = {side: {} for side in (*self.side_ids, _EXCLUDE)}
        for text in texts:
            for _, concept in self._lexicon.find(tokenize(text), text):
                side, term = self._label[concept]
                found[side][term] = None
        return Match(
            sides=tuple((side, tuple(found[side])) for side in self.side_ids),
            excluded=tuple(found[_EXCLUDE]),
        )


@dataclass(frozen=True, slots=True)
class _Term:
    label: str
    parts: tuple[str, ...]

    def matches_at(self, text_stems: Sequence[str], i: int) -> bool:
        for offset, part in enumerate(self.parts):
            j = i + offset
            if j >= len(text_stems) or not _stem_matches(text_stems[j], part):
                return False
        return True


def _stem_matches(token_stem: str, term_stem: str) -> bool:
    if token_stem == term_stem:
        return True
    return len(term_stem) >= MIN_PREFIX_STEM and token_stem.startswith(term_stem)


class TermSet:
    """A named list of terms, compiled once; ``find`` returns the terms a text names."""

    def __init__(self, terms: Iterable[str]) -> None:
        self._terms: list[_Term] = []
        self._by_first: dict[str, list[_Term]] = {}
        for label in dict.fromkeys(t.strip() for t in terms if t.strip()):
            parts = tuple(stems(label))
            if parts:
                term = _Term(label, parts)
                self._terms.append(term)
                self._by_first.setdefault(parts[0], []).append(term)

    def __len__(self) -> int:
        return len(self._terms)

    def find(self, text_stems: Sequence[str]) -> tuple[str, ...]:
        found: dict[str, None] = {}
        for i, token_stem in enumerate(text_stems):
            candidates = self._by_first.get(token_stem)
            if candidates is None:
                candidates = [t for t in self._terms if _stem_matches(token_stem, t.parts[0])]
                # Cache the miss or the prefix hits for this stem.
                self._by_first[token_stem] = candidates
            for term in candidates:
                if term.label not in found and term.matches_at(text_stems, i):
                    found[term.label] = None
        return tuple(found)
