"""``--log-format json``: each stderr line is one JSON object; the cycle's lines carry fields."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.feed_server import FeedServer

REPO = Path(__file__).resolve().parents[2]


def run_tjwatch(
    *argv: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TJWATCH_", "SLACK_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_json_log_lines_parse_and_carry_feed_names_counts_and_durations(
    config_for, feed_server: FeedServer, tmp_path: Path
) -> None:
    config = config_for(
        {
            "Topic RU": feed_server.url("topic-ru-rss.xml"),
            "Gone": feed_server.url("missing.xml"),
        }
    )
    token = "123456789:AAFakeTokenForRedactionTest_abcdefghij"
    result = run_tjwatch(
        "--config",
        str(config),
        "--log-format",
        "json",
        "poll",
        "--once",
        cwd=tmp_path,
        env={"TELEGRAM_BOT_TOKEN": token},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines
    events = [json.loads(line) for line in lines]  # each line alone is a JSON object
    assert all({"ts", "level", "logger", "event"} <= e.keys() for e in events)

    failure = next(e for e in events if e.get("feed") == "Gone")
    assert failure["level"] == "warning"
    assert failure["stage"] == "fetch"
    assert "404" in failure["error"]

    cycle = next(e for e in events if e["event"].startswith("poll cycle"))
    assert cycle["feeds"] == 2
    assert cycle["failed"] == 1
    assert cycle["failed_feeds"] == ["Gone"]
    assert cycle["new_items"] > 0 and cycle["matched"] > 0
    assert isinstance(cycle["seconds"], float) and cycle["seconds"] > 0
    assert token not in result.stderr and token not in result.stdout


def test_text_logs_by_default(config_for, feed_server: FeedServer, tmp_path: Path) -> None:
    config = config_for({"Gone": feed_server.url("missing.xml")})
    result = run_tjwatch("--config", str(config), "poll", "--once", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "WARNING bot.ingest.cycle: feed 'Gone' failed" in result.stderr
    assert not result.stderr.lstrip().startswith("{")


def test_structured_fields_are_redacted_too() -> None:
    import io
    import logging

    from bot.logs import JsonFormatter, RedactingFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(["s3cret-webhook-value"]))
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.ops.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(
            "send failed",
            extra={
                "fields": {
                    "error": "POST https://hooks.slack.com/services/T0/B0/XYZ refused",
                    "urls": ["https://example.org/?k=s3cret-webhook-value"],
                    "count": 3,
                }
            },
        )
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["error"] == "POST [REDACTED] refused"
    assert entry["urls"] == ["https://example.org/?k=[REDACTED]"]
    assert entry["count"] == 3


def test_logging_writes_to_the_stderr_of_the_moment(capsys) -> None:
    """A stderr swapped in at setup and closed since (pytest's capture does this) is not used."""
    import io
    import logging

    from bot.logs import setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    current, temporary = sys.stderr, io.StringIO()
    sys.stderr = temporary
    try:
        setup_logging("INFO", "json")
    finally:
        sys.stderr = current
    temporary.close()
    try:
        logging.getLogger("tests.ops").info("after", extra={"fields": {"n": 1}})
    finally:
        root.handlers[:], root.level = saved
    captured = capsys.readouterr().err
    assert "Logging error" not in captured
    assert json.loads(captured.splitlines()[-1])["n"] == 1


def test_a_first_run_with_every_feed_unreachable_says_so_in_one_line(
    config_for, tmp_path: Path
) -> None:
    """Issue 24: thirteen unreachable feeds printed thirteen warnings, then nothing."""
    feeds = {f"Feed {n}": f"http://127.0.0.1:9/{n}.xml" for n in range(5)}  # nothing listens
    result = run_tjwatch("--config", str(config_for(feeds)), "run", "--cycles", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    assert line.endswith(
        "WARNING bot.ingest.cycle: poll cycle: 5 of 5 feeds failed: tjwatch feeds shows why; "
        "see README 'Try it offline'. 0 new items, 0 matched, " + line.rsplit(", ", 1)[1]
    )
    assert "tjwatch: the first poll reached none of the 5 feeds: this machine may be offline" in (
        result.stdout
    )


def test_a_few_failed_feeds_are_named_each(
    config_for, feed_server: FeedServer, tmp_path: Path
) -> None:
    feeds = {"Gone": "http://127.0.0.1:9/feed.xml", "Topic RU": feed_server.url("topic-ru-rss.xml")}
    result = run_tjwatch("--config", str(config_for(feeds)), "run", "--cycles", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "WARNING bot.ingest.cycle: feed 'Gone' failed: cannot connect" in result.stderr
    assert "poll cycle: 1 of 2 feeds failed: tjwatch feeds shows why. " in result.stderr
    assert "README" not in result.stderr and "first poll reached none" not in result.stdout
