"""Builds the configured relevance parts from Settings: the lexicon, the rules, the seed scorer."""

from __future__ import annotations

from bot.relevance.lexicon import EXCLUDED, Lexicon
from bot.relevance.reading import LexiconTerms, lexicon_for
from bot.relevance.seed_scorer import SeedScorer, Thresholds
from bot.relevance.seeds import load_seed
from bot.relevance.similarity import DocumentFrequencies
from bot.relevance.terms import KeywordRules
from bot.settings import Settings


def lexicon_terms(settings: Settings) -> LexiconTerms:
    """The topic, and the config's keyword rules as words added to each side's country concept
    (and ``exclude`` as the concept that vetoes an item)."""
    rules = settings.file.rules
    words = tuple((side.country, tuple(rules.terms(side.id))) for side in settings.topic.sides)
    return LexiconTerms(settings.topic, (*words, (EXCLUDED, tuple(rules.exclude))))


def keyword_rules(settings: Settings) -> KeywordRules:
    """The config's ``[rules]``: every side's terms, minus ``exclude``."""
    rules = settings.file.rules
    sides = {side.id: rules.terms(side.id) for side in settings.topic.sides}
    return KeywordRules(sides, rules.exclude, {side.id: side.name for side in settings.topic.sides})


def build_lexicon(settings: Settings) -> Lexicon:
    """The engine's vocabulary with the topic and the config's keyword rules (one per set)."""
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
