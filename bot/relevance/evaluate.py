"""Precision, recall and F1 of ``relevant``, and story accuracy on the items labelled relevant."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.models import Verdict


@dataclass(frozen=True, slots=True)
class Figures:
    items: int
    true_pos: int
    false_pos: int
    false_neg: int
    story_correct: int
    story_total: int

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 0.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def story_accuracy(self) -> float:
        """Share of items labelled relevant whose ``story`` the scorer got right."""
        return self.story_correct / self.story_total if self.story_total else 0.0


def evaluate(rows: Iterable[tuple[str, str | None, Verdict]]) -> Figures:
    """``rows``: (label "relevant"/"irrelevant", labelled story, verdict)."""
    n = tp = fp = fn = correct = total = 0
    for label, story, verdict in rows:
        n += 1
        wanted = label == "relevant"
        tp += wanted and verdict.relevant
        fp += (not wanted) and verdict.relevant
        fn += wanted and not verdict.relevant
        if wanted:
            total += 1
            correct += verdict.story == story
    return Figures(n, tp, fp, fn, correct, total)
