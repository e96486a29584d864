"""``tjwatch score``, ``eval`` and ``explain`` as a user runs them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from storage import NewItem, VerdictRecord, open_store
from tests.support.config import write_config

LINES = [
    {
        "id": "a",
        "title": "Putin and Rahmon hold talks in the Kremlin",
        "summary": "Russia and Tajikistan signed agreements on defence and trade.",
        "published": "2025-03-17",
        "label": "relevant",
        "story": "same_story",
    },
    {
        "id": "b",
        "title": "Tajik migrants deported from Russia in 2024",
        "summary": "Russia deported thousands of Tajik citizens after the Crocus attack.",
        "published": "2024-07-01",
        "label": "relevant",
        "story": "new_development",
    },
    {
        "id": "c",
        "title": "CSTO summit in Minsk",
        "summary": "Leaders of Russia, Belarus, Kazakhstan, Kyrgyzstan, Armenia and Tajikistan met "
        "at the CSTO summit.",
        "published": "2024-11-28",
        "label": "irrelevant",
        "story": None,
    },
    {
        "id": "d",
        "title": "Bitcoin hits record",
        "summary": "Crypto markets rally.",
        "label": "irrelevant",
        "story": None,
    },
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_score_writes_one_object_per_item_in_order_and_names_bad_lines(cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    data = [json.dumps(x) for x in LINES]
    path = _write(tmp_path / "items.jsonl", [data[0], "{not json", data[1], '{"id": "x"}', data[3]])
    result = cli("--config", str(config), "score", str(path))
    assert result.code == 1
    errors = result.err.splitlines()
    assert len(errors) == 2
    assert "line 2: not valid JSON" in errors[0]
    assert "line 4: missing field 'title'" in errors[1]
    out = [json.loads(line) for line in result.out.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "d"]
    assert [o["relevant"] for o in out] == [True, True, False]
    assert [o["story"] for o in out] == ["same_story", "new_development", None]
    assert all({"score", "nearest_seed"} <= o.keys() for o in out)
    assert not (tmp_path / "tjwatch.db").exists()  # no database touched


def test_score_reads_an_rss_file(cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    rss = tmp_path / "feed.xml"
    rss.write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Путин и Рахмон провели переговоры в Кремле</title>"
        "<link>https://example.org/1</link><description>Россия и Таджикистан подписали "
        "соглашения.</description></item>"
        "<item><title>Weather in Paris</title><link>https://example.org/2</link>"
        "<description>Rain.</description></item></channel></rss>",
        "utf-8",
    )
    result = cli("--config", str(config), "score", str(rss))
    assert result.code == 0, result.err
    out = [json.loads(line) for line in result.out.splitlines()]
    assert [o["relevant"] for o in out] == [True, False]


def test_eval_prints_hand_computed_figures_beside_the_keyword_baseline(cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    path = _write(tmp_path / "labelled.jsonl", [json.dumps(x) for x in LINES])
    result = cli("--config", str(config), "eval", str(path))
    assert result.code == 0, result.err
    ours, baseline = (
        line for line in result.out.splitlines() if line.startswith(("seed", "keyword"))
    )
    # Seed scorer: a, b relevant and right, c and d not: P = R = F1 = 1, story 2/2.
    assert ours.split()[2:6] == ["1.000", "1.000", "1.000", "1.000"]
    # Keyword rule: a, b, c match (c names both in a list): P = 2/3, R = 1, F1 = 0.8, story 0/2.
    assert baseline.split()[2:6] == ["0.667", "1.000", "0.800", "0.000"]


def test_explain_prints_terms_similarity_story_and_why(cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    store = open_store(tmp_path / "tjwatch.db")
    when = datetime(2025, 3, 17, 10, tzinfo=UTC)
    store.feeds.sync_configured([("f", "https://e.org/f", None, None)], when)
    feed_id = store.feeds.active()[0].id
    store.items.add(
        [
            NewItem(
                id="x1",
                guid=None,
                url="https://e.org/x1",
                title="Putin and Rahmon hold talks in the Kremlin",
                summary="Russia and Tajikistan signed agreements.",
                text=None,
                lang="en",
                published_at=when,
                published_raw="2025-03-17",
                fetched_at=datetime(2025, 3, 17, 12, tzinfo=UTC),
                feed_id=feed_id,
            )
        ]
    )
    store.items.save_verdicts(
        [VerdictRecord("x1", True, 0.9, (), None, {}, "same_story", None, "", when)]
    )
    store.close()
    result = cli("--config", str(config), "explain", "https://e.org/x1")
    assert result.code == 0, result.err
    assert "Russia terms: Putin, Kremlin, Russia" in result.out
    assert "Tajikistan terms: Rahmon, Tajikistan" in result.out
    assert "story: same_story" in result.out
    assert "similarity to the seeds" in result.out
    missing = cli("--config", str(config), "explain", "nope")
    assert missing.code == 1 and "nope" in missing.err
