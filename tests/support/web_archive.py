"""``tjwatch run`` in console mode with the web archive on, over a database filled by a real
poll of loopback feeds (the topic fixture's real reports, re-dated to the last few days, and one
headline holding markup). Started as a subprocess, ready once ``/health`` says a poll cycle
finished."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.support.config import SHIPPED, shipped_config, write_config
from tests.support.feed_server import FeedServer
from tests.support.fresh_feeds import write_fresh_feeds

REPO = Path(__file__).resolve().parents[2]
TOKEN = "archive-token-7f3a"


@dataclass(frozen=True, slots=True)
class Archive:
    base: str
    token: str | None
    db: Path
    config: Path
    feeds: dict[str, str]

    def url(self, path: str, **query: str) -> str:
        params = dict(query)
        if self.token:
            params["token"] = self.token
        return httpx.URL(f"{self.base}{path}", params=params).__str__()

    def rows(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def archive_config(folder: Path, feeds: dict[str, str], now: datetime) -> Path:
    """The shipped config with the seeds dated two days ago, so that the re-dated reports of the
    seeds' event can be "the seeds' story" and the others new developments."""
    seeds = shipped_config()["seeds"]
    for seed in seeds:
        seed["file"] = str(SHIPPED.parent / seed["file"])
        seed["date"] = (now - timedelta(days=2)).date().isoformat()
    return write_config(folder, feeds, seeds=seeds)


@contextmanager
def running_archive(folder: Path, *, token: str | None = TOKEN) -> Iterator[Archive]:
    served = folder / "served"
    served.mkdir()
    now = datetime.now(UTC)
    names = write_fresh_feeds(served, now)
    with FeedServer(served) as server:
        feeds = dict(zip(("Topic EN", "Topic RU", "Hostile"), map(server.url, names), strict=True))
        config = archive_config(folder, feeds, now)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
        env.update(WEB_PORT=str(port), PYTHONPATH=str(REPO))
        env.pop("WEB_TOKEN", None)
        if token:
            env["WEB_TOKEN"] = token
        log = (folder / "run.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config), "run"],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        archive = Archive(f"http://127.0.0.1:{port}", token, folder / "tjwatch.db", config, feeds)
        try:
            _wait_healthy(archive, process, folder / "run.log")
            yield archive
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def _wait_healthy(archive: Archive, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tjwatch run exited: {log.read_text('utf-8')[-3000:]}")
        try:
            if httpx.get(archive.url("/health"), timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the archive never became healthy: {log.read_text('utf-8')[-3000:]}")


def copy_database(archive: Archive, dest: Path) -> Path:
    """A consistent copy of the running archive's database (SQLite's backup API)."""
    with sqlite3.connect(archive.db) as source, sqlite3.connect(dest) as target:
        source.backup(target)
    return dest


def story_keys(archive: Archive, where: str = "1", params: tuple[object, ...] = ()) -> set[str]:
    """The relevant stories (a story number, or an ungrouped item's id) with a report matching
    ``where`` (over ``v`` the verdict and ``i`` the item)."""
    rows = archive.rows(
        "SELECT DISTINCT coalesce(CAST(v.story_id AS TEXT), i.id) FROM verdicts v"
        f" JOIN items i ON i.id = v.item_id WHERE v.relevant = 1 AND ({where})",
        params,
    )
    return {str(r[0]) for r in rows}
