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


def test_score_reports_a_broken_first_line_and_scores_the_rest(cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    data = [json.dumps(x) for x in LINES]
    path = _write(tmp_path / "items.jsonl", ["not json at all", data[2], "", "[1, 2]", data[0]])
    result = cli("--config", str(config), "score", str(path))
    assert result.code == 1
    assert [e.split(": ")[2] for e in result.err.splitlines()] == ["line 1", "line 4"]
    assert "not a JSON object" in result.err.splitlines()[1]
    out = [json.loads(line) for line in result.out.splitlines()]
    assert [(o["id"], o["relevant"]) for o in out] == [("c", False), ("a", True)]


def _figures(result_out: str) -> dict[str, list[str]]:
    rows = [line for line in result_out.splitlines() if line.startswith(("seed", "keyword"))]
    return {row.split()[0]: row.split()[2:6] for row in rows}


def test_eval_prints_hand_computed_figures_beside_the_keyword_baseline(cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    path = _write(tmp_path / "labelled.jsonl", [json.dumps(x) for x in LINES])
    result = cli("--config", str(config), "eval", str(path))
    assert result.code == 0, result.err
    assert result.out.startswith("4 labelled items, 2 relevant")
    figures = _figures(result.out)
    # Seed scorer: a, b relevant and right, c and d not: P = R = F1 = 1, story 2/2.
    assert figures["seed"] == ["1.000", "1.000", "1.000", "1.000"]
    # Keyword rule: a, b, c match (c names both in a list): P = 2/3, R = 1, F1 = 0.8, story 0/2.
    assert figures["keyword"] == ["0.667", "1.000", "0.800", "0.000"]


def test_eval_counts_misses_and_false_alarms_by_hand(cli, tmp_path: Path) -> None:
    # Two labels the scorer cannot agree with, so that every figure is below 1:
    # e is labelled relevant but names only Tajikistan; f is labelled irrelevant but is a
    # bilateral report; g is labelled same_story but dated a year away from the seeds.
    extra = [
        {
            "id": "e",
            "title": "Tajik cuisine in London",
            "summary": "A restaurant serves plov to Londoners.",
            "label": "relevant",
            "story": "new_development",
        },
        {
            "id": "f",
            "title": "Russia and Tajikistan sign a migration agreement",
            "summary": "Moscow and Dushanbe agreed on the organised recruitment of Tajik workers.",
            "published": "2024-06-05",
            "label": "irrelevant",
            "story": None,
        },
        {
            "id": "g",
            "title": "Putin and Rahmon discuss the 201st base by phone",
            "summary": "The Russian and Tajik presidents talked about the military base.",
            "published": "2024-05-20",
            "label": "relevant",
            "story": "same_story",
        },
    ]
    config = write_config(tmp_path, {})
    path = _write(tmp_path / "labelled.jsonl", [json.dumps(x) for x in LINES + extra])
    result = cli("--config", str(config), "eval", str(path))
    assert result.code == 0, result.err
    assert result.out.startswith("7 labelled items, 4 relevant")
    figures = _figures(result.out)
    # Seed scorer: relevant a, b, f, g -> tp 3 (a, b, g), fp 1 (f), fn 1 (e).
    # P = 3/4, R = 3/4, F1 = 0.75; story right for a and b of a, b, e, g: 2/4.
    assert figures["seed"] == ["0.750", "0.750", "0.750", "0.500"]
    assert "(tp 3, fp 1, fn 1; story 2/4)" in result.out
    # Keyword rule: a, b, c, f, g match -> tp 3, fp 2 (c, f), fn 1 (e).
    # P = 3/5, R = 3/4, F1 = 2 * 0.6 * 0.75 / 1.35 = 0.667; story 0/4.
    assert figures["keyword"] == ["0.600", "0.750", "0.667", "0.000"]


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
