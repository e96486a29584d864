"""Document frequencies over a long run: the vocabulary the scorer keeps, in memory and in the
database file, stays under its limit however many items it reads, and the words most items
share keep their counts."""

from __future__ import annotations

from pathlib import Path

from bot.ingest.sink import save_frequencies
from bot.relevance.build import build_seed_scorer
from bot.relevance.similarity import DocumentFrequencies, signature
from storage import open_store
from tests.relevance.support import dev_item, dev_items, shipped_settings

LIMIT = 300
CYCLE_ITEMS = 20


def test_the_saved_vocabulary_stays_under_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "tjwatch.db"
    store = open_store(path)
    df = DocumentFrequencies(max_tokens=LIMIT)
    scorer = build_seed_scorer(shipped_settings(), df)
    everything = DocumentFrequencies(dict(df.counts), df.docs, max_tokens=10**9)
    keys = sorted(dev_items())
    for start in range(0, len(keys), CYCLE_ITEMS):
        for key in keys[
            start : start + CYCLE_ITEMS
        ]:  # one poll cycle's items, scored, then the frequencies saved
            scorer.score(dev_item(key))
            everything.observe(signature(scorer.features(dev_item(key))))
        save_frequencies(store, df)
        saved, docs = store.doc_freq.load()
        assert len(saved) <= LIMIT
        assert saved == dict(df.counts) and docs == df.docs == everything.docs
    store.close()

    assert len(everything.counts) > 2 * LIMIT  # the limit was reached, again and again
    common = [token for token, _ in everything.counts.most_common(50)]
    assert {t: df.counts[t] for t in common} == {t: everything.counts[t] for t in common}
    store = open_store(path)  # a restart reads back what was kept
    assert store.doc_freq.load() == (dict(df.counts), df.docs)
    store.close()
