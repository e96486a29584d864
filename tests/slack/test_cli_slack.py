"""``tjwatch digest`` with Slack configured: console and Slack both get it, each exactly once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.support.feed_server import FeedServer
from tests.support.slack_receiver import SlackReceiver


def sent(db: Path, channel: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(
            conn.execute(
                "SELECT count(*) FROM deliveries WHERE channel = ? AND status = 'sent'", [channel]
            ).fetchone()[0]
        )


def test_digest_goes_to_console_and_slack_once(
    cli,
    config_for,
    feed_server: FeedServer,
    receiver: SlackReceiver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = config_for({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    monkeypatch.setenv("SLACK_WEBHOOK_URL", receiver.webhook_url)
    assert cli("--config", str(config), "poll", "--once").code == 0
    db = tmp_path / "tjwatch.db"

    first = cli("--config", str(config), "--log-level", "DEBUG", "digest")

    assert first.code == 0, first.err
    assert "Рахмон" in first.out
    messages = receiver.accepted("/services/")
    assert messages and all(m.blocks[0]["type"] == "header" for m in messages)
    assert any(
        "Рахмон" in b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"
    )
    assert "tjwatch: slack: sent" in first.err
    # slack_sdk logs the request URL at DEBUG; the webhook URL is a secret and is masked.
    assert "XXXXSECRETXXXX" not in first.err and "url: [REDACTED]" in first.err
    assert sent(db, "console") == sent(db, "slack") > 0

    again = cli("--config", str(config), "digest")

    assert again.code == 0
    assert "nothing new" in again.out and "Рахмон" not in again.out
    assert "tjwatch: slack: nothing new" in again.err
    assert len(receiver.requests) == len(messages)  # nothing new posted to Slack


def test_dry_run_sends_nothing_to_slack(
    cli,
    config_for,
    feed_server: FeedServer,
    receiver: SlackReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = config_for({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    monkeypatch.setenv("SLACK_WEBHOOK_URL", receiver.webhook_url)
    assert cli("--config", str(config), "poll", "--once").code == 0
    assert "Рахмон" in cli("--config", str(config), "digest", "--dry-run").out
    assert receiver.requests == []


def test_console_service_delivers_to_slack_after_each_poll(
    cli,
    config_for,
    feed_server: FeedServer,
    receiver: SlackReceiver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = config_for(
        {"Topic RU": feed_server.url("topic-ru-rss.xml")}, slack={"commands_port": 0}
    )
    monkeypatch.setenv("SLACK_WEBHOOK_URL", receiver.webhook_url)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "test-signing-secret")

    result = cli("--config", str(config), "run", "--cycles", "1")

    assert result.code == 0, result.err
    assert "Рахмон" in result.out
    assert receiver.accepted("/services/")
    db = tmp_path / "tjwatch.db"
    assert sent(db, "console") == sent(db, "slack") > 0
