"""A second topic is a file, not code: Russia–Kyrgyzstan scored with only the topic file, the
rules' keys and the seed changed (tests/data/topics/)."""

from __future__ import annotations

from pathlib import Path

from bot.ingest.item_files import LabelledItem, read_items
from bot.relevance.build import build_seed_scorer, keyword_rules
from bot.relevance.evaluate import evaluate
from bot.relevance.scorer import KeywordScorer
from bot.settings import load_settings

TOPICS = Path(__file__).resolve().parents[1] / "data" / "topics"
# 20 items, 10 of them relevant. Hard negatives: a CIS summit list, an EAEU meeting, football
# and boxing, two Russia–Tajikistan items, Kyrgyz items without Russia, Putin in Astana.
MIN_F1 = 0.9
MIN_STORY_ACCURACY = 0.9


def test_the_russia_kyrgyzstan_topic_scores_its_labelled_items() -> None:
    settings = load_settings(TOPICS / "russia-kyrgyzstan-config.toml", env={}, dotenv=False)
    assert settings.topic.side_ids == ("russia", "kyrgyzstan")
    rows = [
        r for r in read_items(TOPICS / "russia-kyrgyzstan.jsonl") if isinstance(r, LabelledItem)
    ]
    assert len(rows) == 20
    scorer = build_seed_scorer(settings, learn=False)
    scorer.observe(r.item for r in rows)  # as `tjwatch eval` does
    ours = evaluate((r.label or "", r.story, scorer.score(r.item)) for r in rows)
    baseline = KeywordScorer(keyword_rules(settings))
    base = evaluate((r.label or "", r.story, baseline.score(r.item)) for r in rows)
    print(
        f"\nRussia–Kyrgyzstan, {ours.items} items: seed scorer P {ours.precision:.3f} "
        f"R {ours.recall:.3f} F1 {ours.f1:.3f}, story {ours.story_correct}/{ours.story_total}; "
        f"keyword baseline F1 {base.f1:.3f}"
    )
    assert ours.f1 >= MIN_F1
    assert ours.story_accuracy >= MIN_STORY_ACCURACY
    assert ours.f1 > base.f1


def test_the_second_topics_reasons_name_its_sides() -> None:
    settings = load_settings(TOPICS / "russia-kyrgyzstan-config.toml", env={}, dotenv=False)
    rows = {
        r.item.id: r.item
        for r in read_items(TOPICS / "russia-kyrgyzstan.jsonl")
        if isinstance(r, LabelledItem)
    }
    scorer = build_seed_scorer(settings, learn=False)
    assert scorer.score(rows["k13"]).reason == "does not name Kyrgyzstan"  # Russia–Tajikistan
    kant = scorer.score(rows["k07"])  # "авиабаза Кант": Russia's base names Russia
    assert kant.relevant and "kant_base" in kant.reason
