"""The config's keyword rules (``[rules]``), matched by the lexicon: one tokeniser, one folding.

An item matches when it names a term of every side of the topic (``[rules] <side id> = [...]``)
and no ``exclude`` term. Each term is a lexicon word (``bot.relevance.lexicon``): folded (lower
case, diacritics dropped, Tajik and Serbian letters mapped to their Russian neighbours), matched
by Snowball stem, as a prefix when its stem has five letters or more; several words match
consecutive words. The rules decide which items' article pages the full-text step fetches and
are the keyword baseline ``tjwatch eval`` compares the seed scorer with; the seed scorer gets the
same words in its side concepts (``bot.relevance.build``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.models import Match
from bot.relevance.lexicon import Lexicon, tokenize

_EXCLUDE = "exclude"


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
