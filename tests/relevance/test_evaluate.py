"""Precision, recall, F1 and story accuracy, against figures worked out by hand."""

from __future__ import annotations

import pytest

from bot.models import Verdict
from bot.relevance.evaluate import evaluate


def _v(relevant: bool, story: str | None = None) -> Verdict:
    return Verdict(relevant=relevant, score=1.0 if relevant else 0.0, matched_terms=(), story=story)


def test_figures_match_hand_computation() -> None:
    rows = [
        ("relevant", "same_story", _v(True, "same_story")),  # tp, story right
        ("relevant", "new_development", _v(True, "same_story")),  # tp, story wrong
        ("relevant", "new_development", _v(False)),  # fn, story wrong
        ("irrelevant", None, _v(True, "new_development")),  # fp
        ("irrelevant", None, _v(False)),  # tn
    ]
    f = evaluate(rows)
    # precision 2/3, recall 2/3, F1 2/3; story 1 of 3 relevant items
    assert (f.true_pos, f.false_pos, f.false_neg) == (2, 1, 1)
    assert f.precision == pytest.approx(2 / 3)
    assert f.recall == pytest.approx(2 / 3)
    assert f.f1 == pytest.approx(2 / 3)
    assert f.story_accuracy == pytest.approx(1 / 3)
