"""The scorer in use: the composition root owns one ``ActiveScorer``, the poll reads it.

An admin's ``/addseed`` replaces ``scorer`` with one that also knows the new seed; the next batch
of a poll cycle is scored (and grouped into stories) with it. Holding the scorer in a named
object, rather than as an attribute of the composition root that other modules reassign, keeps
the one piece of shared, changing state explicit: whoever may swap it or read it is handed it.
"""

from __future__ import annotations

from bot.relevance.seed_scorer import SeedScorer


class ActiveScorer:
    __slots__ = ("scorer",)

    def __init__(self, scorer: SeedScorer) -> None:
        self.scorer = scorer
