"""Builds the configured scorer from Settings: the lexicon, the config's rules, the seeds."""

from __future__ import annotations

from bot.relevance.lexicon import Lexicon
from bot.relevance.reading import LexiconTerms, lexicon_for
from bot.relevance.seed_scorer import SeedScorer, Thresholds
from bot.relevance.seeds import load_seed
from bot.relevance.similarity import DocumentFrequencies
from bot.settings import Settings


def lexicon_terms(settings: Settings) -> LexiconTerms:
    """The config's keyword rules as words added to the two countries (and to sport)."""
    rules = settings.file.rules
    return (
        ("russia", tuple(rules.russia)),
        ("tajikistan", tuple(rules.tajikistan)),
        ("sport", tuple(rules.exclude)),
    )


def build_lexicon(settings: Settings) -> Lexicon:
    """The shipped vocabulary, with the config's keyword rules added (one per set of rules)."""
    return lexicon_for(lexicon_terms(settings))


def build_seed_scorer(
    settings: Settings, df: DocumentFrequencies | None = None, learn: bool = True
) -> SeedScorer:
    lexicon = build_lexicon(settings)
    seeds = [
        load_seed(lexicon, settings.seed_path(s), s.title, s.date) for s in settings.file.seeds
    ]
    t = settings.file.thresholds
    return SeedScorer(lexicon, seeds, Thresholds(t.relevance, t.same_story), df=df, learn=learn)
