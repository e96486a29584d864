"""The scorer interface the pipeline uses, and the keyword-only baseline."""

from __future__ import annotations

from typing import Protocol

from bot.models import Item, Verdict
from bot.relevance.reading import Reading
from bot.relevance.terms import KeywordRules


class Scorer(Protocol):
    def score(self, item: Item, reading: Reading | None = None) -> Verdict:
        """``reading``: the item as already read by a parse worker, where there is one."""
        ...


class KeywordScorer:
    """Relevant when the title or summary names a term of every side (the config's ``[rules]``)."""

    def __init__(self, rules: KeywordRules) -> None:
        self._rules = rules

    def score(self, item: Item, reading: Reading | None = None) -> Verdict:
        match = self._rules.match(item.title, item.summary)
        names = self._rules.names
        if match.matched:
            reason = "names " + " and ".join(
                f"{names[side]} ({', '.join(terms)})" for side, terms in match.sides
            )
        elif match.excluded:
            reason = f"excluded by {', '.join(match.excluded)}"
        else:
            missing = next(side for side, terms in match.sides if not terms)
            reason = f"does not name a {names[missing]} term"
        return Verdict(
            relevant=match.matched,
            score=1.0 if match.matched else 0.0,
            matched_terms=match.terms,
            reason=reason,
        )
