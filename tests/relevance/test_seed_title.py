"""A seed configured without a title is called by its text's first line (issue 24), in
``explain`` as in /seeds; scoring reads the text as before."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.relevance.seeds import TITLE_CHARS, seed_title
from storage import NewItem, VerdictRecord, open_store
from tests.support.config import SHIPPED, write_config

SEEDS = SHIPPED.parent / "seeds"
PARAGRAPH = (SEEDS / "003_49707a97bcb62aca.txt").read_text("utf-8")
HEADLINE = (SEEDS / "000_2d1f3eca5ebde82f.txt").read_text("utf-8")
FIRST_SENTENCE = (
    "The Russian President, Vladimir Putin, has been discussing bilateral relations with the "
    "Tajik President, Emomali Rahmon, in Moscow."
)


def test_the_first_line_or_its_first_sentence() -> None:
    assert seed_title(HEADLINE) == HEADLINE.splitlines()[0]
    assert seed_title(PARAGRAPH) == FIRST_SENTENCE  # the file's first line is a paragraph
    assert seed_title("\n\n  Short headline  \nbody") == "Short headline"
    long = "word " * 100
    title = seed_title(long)
    assert title.endswith("word…") and len(title) <= TITLE_CHARS


def untitled(tmp_path: Path) -> Path:
    seeds = [
        {"file": str(SEEDS / name), "date": "2025-03-17"}
        for name in (
            "000_2d1f3eca5ebde82f.txt",
            "003_49707a97bcb62aca.txt",
        )
    ]
    return write_config(tmp_path, {}, seeds=seeds)


def test_explain_names_untitled_seeds_by_their_first_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = untitled(tmp_path)
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
                fetched_at=when,
                feed_id=feed_id,
            )
        ]
    )
    store.items.save_verdicts(
        [VerdictRecord("x1", True, 0.9, (), None, {}, "same_story", None, "", when)]
    )
    store.close()
    result = cli("--config", str(config), "explain", "x1")
    assert result.code == 0, result.err
    assert f"003_49707a97bcb62aca  {FIRST_SENTENCE}\n" in result.out
    assert f"000_2d1f3eca5ebde82f  {HEADLINE.splitlines()[0]}\n" in result.out
    assert "Shanghai Cooperation Organisation" not in result.out  # not the whole first line
