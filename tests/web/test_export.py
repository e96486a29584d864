"""``tjwatch export``: the relevant items (or stories) round-trip through Python's csv and json
readers with the documented columns (README, "Exports")."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from bot.exports import ITEM_COLUMNS, STORY_COLUMNS
from tests.support.fresh_feeds import HOSTILE_TITLE
from tests.support.web_archive import Archive, copy_database, story_keys

README = Path(__file__).resolve().parents[2] / "README.md"


def _config(archive: Archive, tmp_path: Path) -> Path:
    """The archive's config over a copy of its database."""
    db = tmp_path / "export.db"
    if not db.exists():
        copy_database(archive, db)
    config = tmp_path / "export.toml"
    text = archive.config.read_text("utf-8")
    config.write_text(re.sub(r'(\[database\]\npath = )"[^"]*"', rf'\1"{db}"', text), "utf-8")
    return config


def _export(cli, archive: Archive, tmp_path: Path, *args: str) -> str:  # type: ignore[no-untyped-def]
    result = cli("--config", str(_config(archive, tmp_path)), "export", *args)
    assert result.code == 0, result.err
    return str(result.out)


def _relevant(archive: Archive) -> dict[str, tuple[object, ...]]:
    rows = archive.rows(
        "SELECT i.id, i.title, i.url, i.lang, v.score, v.story, v.story_id FROM items i"
        " JOIN verdicts v ON v.item_id = i.id WHERE v.relevant = 1"
    )
    return {str(r[0]): r for r in rows}


def test_items_as_csv(cli, archive: Archive, tmp_path: Path) -> None:
    out = _export(cli, archive, tmp_path, "--format", "csv", "--since", "7d")
    reader = csv.DictReader(io.StringIO(out))
    assert tuple(reader.fieldnames or ()) == ITEM_COLUMNS
    rows = list(reader)
    stored = _relevant(archive)
    assert {r["id"] for r in rows} == set(stored)  # every relevant item, nothing else
    for row in rows:
        _item_id, title, url, lang, score, story, story_id = stored[row["id"]]
        assert (row["title"], row["url"], row["languages"]) == (title, url, lang)
        assert abs(float(row["relevance"]) - float(score)) < 0.001  # type: ignore[arg-type]
        assert row["story"] == story and row["story_id"] == str(story_id)
        assert row["sources"]
    assert HOSTILE_TITLE in {r["title"] for r in rows}  # exactly as stored
    published = [r["published"] for r in rows]
    assert published == sorted(published, reverse=True)


def test_items_as_jsonl(cli, archive: Archive, tmp_path: Path) -> None:
    out = _export(cli, archive, tmp_path, "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(tuple(r) == ITEM_COLUMNS for r in rows)
    assert {r["id"] for r in rows} == set(_relevant(archive))
    assert all(isinstance(r["sources"], list) and r["sources"] for r in rows)
    assert all(isinstance(r["relevance"], float) and r["dated"] is True for r in rows)


def test_stories_one_row_each(cli, archive: Archive, tmp_path: Path) -> None:
    out = _export(cli, archive, tmp_path, "--format", "jsonl", "--stories", "--since", "30d")
    rows = [json.loads(line) for line in out.splitlines()]
    assert all(tuple(r) == STORY_COLUMNS for r in rows)
    assert {r["story"] for r in rows} == story_keys(archive)
    assert sum(r["reports"] for r in rows) == len(_relevant(archive))
    assert all(len(r["item_ids"]) == r["reports"] for r in rows)
    csv_rows = list(
        csv.DictReader(io.StringIO(_export(cli, archive, tmp_path, "--format", "csv", "--stories")))
    )
    assert [r["story"] for r in csv_rows] == [r["story"] for r in rows]
    assert [r["sources"] for r in csv_rows] == ["; ".join(r["sources"]) for r in rows]


def test_a_bad_period_is_a_usage_error(cli, archive: Archive, tmp_path: Path) -> None:
    config = _config(archive, tmp_path)
    result = cli("--config", str(config), "export", "--format", "csv", "--since", "x")
    assert result.code == 2 and "--since 'x' is not a period" in result.err


def test_readme_documents_every_column() -> None:
    readme = README.read_text("utf-8")
    section = readme[readme.index("### Exports") :]
    for column in (*ITEM_COLUMNS, *STORY_COLUMNS):
        assert f"`{column}`" in section, column
