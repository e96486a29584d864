"""The keyword rules match with the lexicon's machinery: the same folding, stems and dashes."""

from __future__ import annotations

from pathlib import Path

from bot.relevance.build import build_seed_scorer, keyword_rules
from bot.relevance.scorer import KeywordScorer
from bot.relevance.terms import KeywordRules
from bot.settings import load_settings
from tests.relevance.support import item
from tests.support.config import write_config

RULES = KeywordRules(
    {"russia": ["Russia", "Москва"], "tajikistan": ["Раҳмон", "Таджикистан"]},
    exclude=["football"],
    names={"russia": "Russia", "tajikistan": "Tajikistan"},
)


def test_a_rule_word_matches_its_forms_and_its_folded_spelling() -> None:
    """ "Раҳмон" (Tajik ҳ) names "Рахмон" (Russian х): folded as the scorer folds; the old
    stem-only matcher missed it."""
    match = RULES.match("Рахмон прибыл в Москву", "")
    assert match.matched
    assert match.sides == (("russia", ("Москва",)), ("tajikistan", ("Раҳмон",)))
    assert RULES.match("Russian investors in Таджикистана").matched


def test_an_item_must_name_every_side_and_no_excluded_word() -> None:
    assert not RULES.match("Russia and its neighbours").matched
    vetoed = RULES.match("Russia beat Tajikistan at football", "Таджикистан")
    assert vetoed.excluded == ("football",) and not vetoed.matched
    baseline = KeywordScorer(RULES)
    assert baseline.score(item("Russia and its neighbours")).reason == (
        "does not name a Tajikistan term"
    )
    assert baseline.score(item("Рахмон в Москве")).reason == (
        "names Russia (Москва) and Tajikistan (Раҳмон)"
    )


def test_exclude_is_a_veto_for_the_scorer_too(tmp_path: Path) -> None:
    config = write_config(tmp_path, {}, rules={"exclude": ["Crocus"]})
    settings = load_settings(config, env={}, dotenv=False)
    text = item(
        "Putin and Rahmon discuss Crocus attack in Moscow",
        "Russia and Tajikistan agreed to cooperate on security after the Crocus attack.",
    )
    verdict = build_seed_scorer(settings, learn=False).score(text)
    assert not verdict.relevant and verdict.score == 0.0
    assert "exclude" in verdict.reason
    assert KeywordScorer(keyword_rules(settings)).score(text).reason == "excluded by Crocus"
