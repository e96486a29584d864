"""Feedback votes and persistent flags on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from storage import open_store

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_one_vote_per_person_and_item_counted_per_chat(tmp_path: Path) -> None:
    store = open_store(tmp_path / "t.db")
    try:
        assert store.feedback.record(1, "item", 10, -1, NOW) is None
        assert store.feedback.record(1, "item", 10, 1, NOW) == -1  # changed their mind
        store.feedback.record(1, "item", 11, -1, NOW)
        store.feedback.record(2, "item", 10, 1, NOW)
        counts = store.feedback.counts(1)
        assert (counts.up, counts.down) == (1, 1)
        assert store.feedback.counts().up == 2
        assert store.feedback.counts(3).up == 0
    finally:
        store.close()


def test_state_survives_reopening(tmp_path: Path) -> None:
    store = open_store(tmp_path / "t.db")
    store.state.set("polling_paused", "1")
    store.state.set("polling_paused", "0")
    store.close()
    again = open_store(tmp_path / "t.db")
    try:
        assert again.state.get("polling_paused") == "0"
        assert again.state.get("missing", "default") == "default"
    finally:
        again.close()
