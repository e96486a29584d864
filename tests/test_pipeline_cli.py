"""The walking skeleton end to end: loopback feeds → poll → store → digest, through the CLI."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.support.feed_server import FeedServer


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_poll_stores_items_then_304_then_digest_once(
    cli, config_for, feed_server: FeedServer, tmp_path: Path
) -> None:
    config = config_for(
        {
            "Topic EN": feed_server.url("topic-en-rss.xml"),
            "Topic RU": feed_server.url("topic-ru-rss.xml"),
            "Lenta.ru": feed_server.url("lenta-ru-2022-12-rss.xml"),
        }
    )
    db = tmp_path / "tjwatch.db"

    first = cli("--config", str(config), "poll", "--once")
    assert first.code == 0, first.err
    assert "3 ok" in first.out
    # Real topical headlines are listed; an unrelated Lenta.ru item is not.
    assert "Путин, Лукашенко, Рахмон и Алиев договорились встретиться 9 мая в Москве" in first.out
    stored = _rows(db, "SELECT count(*) FROM items")[0][0]
    # 14 English + 12 Russian (2 of them the English feed's articles) + 198 distinct Lenta.ru items.
    assert stored == 14 + 10 + 198
    matched = _rows(db, "SELECT count(*) FROM verdicts WHERE relevant = 1")[0][0]
    assert matched > 5

    second = cli("--config", str(config), "poll", "--once")
    assert second.code == 0, second.err
    assert "3 not modified" in second.out
    assert "0 new items" in second.out
    assert feed_server.conditional_hits["/feeds/topic-en-rss.xml"] == 1
    assert _rows(db, "SELECT count(*) FROM items")[0][0] == stored

    digest = cli("--config", str(config), "digest")
    assert digest.code == 0, digest.err
    assert "Путин, Лукашенко, Рахмон и Алиев" in digest.out
    assert digest.out.count("\n   http") == matched  # one link per matched item, each once
    assert "Lenta" not in digest.out

    again = cli("--config", str(config), "digest")
    assert again.code == 0
    assert "nothing new" in again.out
    assert "Путин" not in again.out


def test_digest_dry_run_leaves_items_undelivered(cli, config_for, feed_server: FeedServer) -> None:
    config = config_for({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    assert cli("--config", str(config), "poll", "--once").code == 0
    dry = cli("--config", str(config), "digest", "--dry-run")
    real = cli("--config", str(config), "digest")
    assert "Рахмон" in dry.out
    assert dry.out == real.out
    assert "nothing new" in cli("--config", str(config), "digest").out


def test_same_article_in_two_feeds_is_stored_once_with_both_sources(
    cli, config_for, feed_server: FeedServer, tmp_path: Path
) -> None:
    config = config_for(
        {"EN": feed_server.url("topic-en-rss.xml"), "RU": feed_server.url("topic-ru-rss.xml")}
    )
    assert cli("--config", str(config), "poll", "--once").code == 0
    rows = _rows(
        tmp_path / "tjwatch.db",
        """
        SELECT i.url, group_concat(f.name, ',') FROM items i
        JOIN item_sources s ON s.item_id = i.id JOIN feeds f ON f.id = s.feed_id
        GROUP BY i.id HAVING count(*) > 1""",
    )
    assert len(rows) == 2
    for url, sources in rows:
        assert "utm_" not in url
        assert sorted(sources.split(",")) == ["EN", "RU"]


def test_unreachable_feed_is_reported_and_others_go_on(
    cli, config_for, feed_server: FeedServer
) -> None:
    config = config_for(
        {
            "Gone": "http://127.0.0.1:9/feed.xml",
            "Missing": feed_server.url("/feeds/no-such-file.xml"),
            "Topic RU": feed_server.url("topic-ru-rss.xml"),
        }
    )
    result = cli("--config", str(config), "poll", "--once")
    assert result.code == 0
    assert "1 ok" in result.out and "2 failed" in result.out
    assert "Gone: cannot connect" in result.out
    assert "Missing: HTTP 404" in result.out
    assert "Рахмон" in result.out
    health = cli("--config", str(config), "feeds")
    assert "failing" in health.out and "HTTP 404" in health.out


def test_run_in_console_mode_prints_a_digest(cli, config_for, feed_server: FeedServer) -> None:
    config = config_for({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    result = cli("--config", str(config), "run", "--cycles", "1")
    assert result.code == 0, result.err
    assert "console mode" in result.out
    assert "tjwatch digest" in result.out
    assert "Путин, Лукашенко, Рахмон и Алиев" in result.out


def test_help_lists_every_verb(cli) -> None:
    result = cli("--help")
    for verb in ("poll", "digest", "run", "feeds"):
        assert verb in result.out


def test_ctrl_c_stops_the_console_service_quietly(
    config_for, feed_server: FeedServer, tmp_path: Path
) -> None:
    """Ctrl-C in a terminal interrupts the whole foreground process group, the parse workers
    too: the service stops cleanly, and no worker prints a traceback on the way out."""
    config = config_for({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TJWATCH_"))}
    with out.open("w") as stdout, err.open("w") as stderr:
        service = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config), "run"],
            cwd=tmp_path,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "tjwatch digest" not in out.read_text() and time.monotonic() < deadline:
            assert service.poll() is None, err.read_text()
            time.sleep(0.2)
        assert "tjwatch digest" in out.read_text(), err.read_text()
        os.killpg(service.pid, signal.SIGINT)
        assert service.wait(30) == 0, err.read_text()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(service.pid, signal.SIGKILL)
    assert "Traceback" not in err.read_text() + out.read_text(), err.read_text()


def test_digest_prints_later_reports_of_a_story_as_an_update_once(
    cli, config_for, tmp_path: Path
) -> None:
    """The console: a story printed once, its later report as "update to story N" (issue 22)."""
    from datetime import UTC, datetime, timedelta

    from storage import open_store
    from tests.support.summary_data import dev_items, store_item

    config = config_for({})
    rows = [r for r in dev_items().values() if r["label"] == "relevant"]
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    store = open_store(tmp_path / "tjwatch.db")
    story = store.stories.create(str(rows[0]["title"]), str(rows[0]["id"]), at)
    store_item(store, rows[0], at=at, score=0.9, story_id=story)
    store.close()
    first = cli("--config", str(config), "digest")
    assert str(rows[0]["title"]) in first.out and f"story {story}" in first.out
    store = open_store(tmp_path / "tjwatch.db")
    store_item(store, rows[1], at=at + timedelta(hours=2), score=0.8, story_id=story)
    store.close()
    dry = cli("--config", str(config), "digest", "--dry-run")
    assert f"update to story {story}" in dry.out and str(rows[1]["title"]) in dry.out
    real = cli("--config", str(config), "digest")
    assert real.out.startswith(f"update to story {story}\n")
    assert str(rows[0]["title"]) not in real.out  # the story is not an entry again
    assert "nothing new" in cli("--config", str(config), "digest").out


def test_the_ids_poll_and_digest_print_are_what_explain_takes(
    cli, config_for, feed_server: FeedServer
) -> None:
    """Issue 24: poll and digest printed no IDs, and explain refused the story numbers that
    summary and digest show; a number is a story, and explain says so."""
    import re

    config = config_for({"Topic EN": feed_server.url("topic-en-rss.xml")})
    polled = cli("--config", str(config), "poll", "--once")
    assert polled.code == 0, polled.err
    table = polled.out.split("\n\n", 1)[1].splitlines()
    assert table[0].split() == ["ID", "SCORE", "PUBLISHED", "SOURCE", "TITLE"]
    item_id = table[1].split()[0]
    assert re.fullmatch("[0-9a-f]{20}", item_id)
    explained = cli("--config", str(config), "explain", item_id)
    assert explained.code == 0, explained.err
    assert "Story " not in explained.out.splitlines()[0]

    digest = cli("--config", str(config), "digest")
    story, shown = re.search(r"· story (\d+) · item ([0-9a-f]{20})\n", digest.out).groups()  # type: ignore[union-attr]
    for key in (story, f"/story_{story}"):
        by_story = cli("--config", str(config), "explain", key)
        assert by_story.code == 0, by_story.err
        assert by_story.out.startswith(f"Story {story}: its first report, item ")
    assert cli("--config", str(config), "explain", shown).code == 0
    missing = cli("--config", str(config), "explain", "999999")
    assert missing.code == 1 and "a number is a story" in missing.err
