"""Builds the configured scorer from Settings: the lexicon, the config's rules, the seeds."""

from __future__ import annotations

from bot.relevance.lexicon import Lexicon, load_lexicon
from bot.relevance.seed_scorer import SeedScorer, Thresholds
from bot.relevance.seeds import load_seed
from bot.relevance.similarity import DocumentFrequencies
from bot.settings import Settings


def build_lexicon(settings: Settings) -> Lexicon:
    """The shipped vocabulary, with the config's keyword rules added to the two countries."""
    rules = settings.file.rules
    return load_lexicon(
        {"russia": rules.russia, "tajikistan": rules.tajikistan, "sport": rules.exclude}
    )


def build_seed_scorer(
    settings: Settings, df: DocumentFrequencies | None = None, learn: bool = True
) -> SeedScorer:
    lexicon = build_lexicon(settings)
    seeds = [
        load_seed(lexicon, settings.seed_path(s), s.title, s.date) for s in settings.file.seeds
    ]
    t = settings.file.thresholds
    return SeedScorer(lexicon, seeds, Thresholds(t.relevance, t.same_story), df=df, learn=learn)
