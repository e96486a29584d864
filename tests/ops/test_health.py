"""``tjwatch health``: healthy after a recent poll cycle, unhealthy (with the reason) otherwise."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.jobs import poll
from tests.ops.conftest import MakeServices, days_ago
from tests.support.feed_server import FeedServer


def test_no_database_yet_is_unhealthy(cli, config_for, feed_server: FeedServer) -> None:
    config = config_for({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    result = cli("--config", str(config), "health")
    assert result.code == 1
    assert "unhealthy" in result.out
    assert "there is no database at" in result.out
    assert "tjwatch run" in result.out  # says what to do


def test_fresh_database_is_unhealthy_until_a_poll_then_healthy(
    cli, config_for, feed_server: FeedServer, tmp_path: Path
) -> None:
    config = config_for({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    assert cli("--config", str(config), "feeds").code == 0  # creates and migrates the database
    assert (tmp_path / "tjwatch.db").is_file()

    before = cli("--config", str(config), "health")
    assert before.code == 1
    assert "no poll cycle has finished yet" in before.out

    assert cli("--config", str(config), "poll", "--once").code == 0
    after = cli("--config", str(config), "health")
    assert after.code == 0, after.out
    assert after.out.startswith("healthy: the last poll cycle finished ")
    assert "is writable" in after.out


@pytest.mark.asyncio
async def test_stale_cycle_is_unhealthy(
    cli, make_services: MakeServices, feed_server: FeedServer, tmp_path: Path
) -> None:
    # The last cycle ran two days ago; the shipped interval is 15 minutes.
    services = make_services({"Topic RU": feed_server.url("topic-ru-rss.xml")}, clock=days_ago(2))
    report = await poll(services, force=True)
    assert report.new_items > 0
    await services.aclose()

    result = cli("--config", str(tmp_path / "tjwatch.toml"), "health")
    assert result.code == 1
    assert "the last poll cycle finished 2 days ago" in result.out
    assert "more than twice the poll interval (30 min)" in result.out


@pytest.mark.asyncio
async def test_cycle_with_nothing_due_still_counts(
    cli, make_services: MakeServices, feed_server: FeedServer, tmp_path: Path
) -> None:
    services = make_services({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    await poll(services, force=True)
    await poll(services)  # the feed is not due again yet: an empty cycle
    await services.aclose()
    assert cli("--config", str(tmp_path / "tjwatch.toml"), "health").code == 0


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[None]:
    """Make tmp_path/tjwatch.db unwritable for this process (root ignores permission bits, so
    as root the file is made immutable instead)."""
    db = tmp_path / "tjwatch.db"
    if os.geteuid() != 0:
        db.chmod(0o444)
        yield
        db.chmod(0o644)
        return
    if subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode != 0:
        pytest.skip("running as root where chattr +i is not allowed: cannot make a file read-only")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)


def test_read_only_database_is_unhealthy(
    cli, config_for, feed_server: FeedServer, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    config = config_for({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    assert cli("--config", str(config), "poll", "--once").code == 0
    assert cli("--config", str(config), "health").code == 0

    request.getfixturevalue("read_only")
    result = cli("--config", str(config), "health")
    assert result.code == 1
    assert "is not writable" in result.out
    assert "permissions" in result.out


@pytest.mark.asyncio
async def test_polling_paused_by_an_admin_is_not_a_failure(
    cli, make_services: MakeServices, feed_server: FeedServer, tmp_path: Path
) -> None:
    from bot.polling import set_paused

    services = make_services({"Topic RU": feed_server.url("topic-ru-rss.xml")}, clock=days_ago(2))
    await poll(services, force=True)
    config = str(tmp_path / "tjwatch.toml")
    assert cli("--config", config, "health").code == 1  # stale

    assert await set_paused(services.store, True)
    paused = cli("--config", config, "health")
    assert paused.code == 0, paused.out
    assert "polling is paused by an admin" in paused.out

    assert await set_paused(services.store, False)
    await services.aclose()
    assert cli("--config", config, "health").code == 1  # stale again once resumed


def test_probe_waits_out_a_writer_then_reports_a_stuck_one(
    cli, config_for, feed_server: FeedServer, tmp_path: Path
) -> None:
    import sqlite3
    import threading

    from storage.ops import probe_database

    config = config_for({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    assert cli("--config", str(config), "poll", "--once").code == 0
    db = tmp_path / "tjwatch.db"
    writer = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")  # a poll cycle's write transaction, say
    try:
        stuck = probe_database(db, timeout_s=0.2)
        assert not stuck.writable
        assert "locked" in (stuck.problem or "")
        threading.Timer(0.3, writer.rollback).start()
        waited = probe_database(db, timeout_s=5)
        assert waited.writable and waited.problem is None
        assert waited.last_cycle_finished_at is not None
    finally:
        writer.close()
