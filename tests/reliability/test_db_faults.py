"""The database under pressure: a second process, a backup while writing, a check, a full disk."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.jobs import poll
from bot.services import Services
from bot.settings import load_settings
from storage import StorageError, open_store
from storage.maintenance import backup_database, check_database
from tests.reliability.support import TJWATCH, child_env, query
from tests.support.config import write_config
from tests.support.feed_server import FeedServer

BATCH = 50
WRITER = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from pathlib import Path
    from storage import NewItem, open_store

    store = open_store(Path(sys.argv[1]))
    now = datetime.now(UTC)
    feed = store.feeds.add("w", "https://w.example/feed", None, now).id
    print("ready", flush=True)
    for batch in range(10_000):
        # one transaction of BATCH items: a consistent copy holds a multiple of BATCH
        store.items.add([
            NewItem(id=f"w{batch}-{k}", guid=None, url=f"https://w.example/{batch}/{k}",
                    title="Russia and Tajikistan " + "x" * 400, summary="y" * 2000, text=None,
                    lang="en", published_at=now, published_raw=None, fetched_at=now, feed_id=feed)
            for k in range(BATCH)
        ])
    """
).replace("BATCH", str(BATCH))


@contextlib.contextmanager
def writer(db: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process writing items as fast as it can."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def items(db: Path) -> int:
    return int(query(db, "SELECT count(*) FROM items")[0][0])


def items_without_waiting(db: Path) -> int:
    """``items`` from a connection that never waits for a lock (busy timeout 0): a reader the
    writer blocked would fail with "database is locked" instead of waiting its turn."""
    conn = sqlite3.connect(db, timeout=0)
    try:
        return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.slow
def test_backup_and_reads_while_another_process_writes(tmp_path: Path) -> None:
    db = tmp_path / "tjwatch.db"
    config = write_config(tmp_path, {})
    open_store(db).close()
    with writer(db):
        copies = []
        read = []
        for n in range(3):
            time.sleep(0.5)
            read.append(items_without_waiting(db))  # a reader is never blocked by the writer (WAL)
            copy = tmp_path / f"backup-{n}.db"
            done = subprocess.run(
                [TJWATCH, "--config", str(config), "db", "backup", str(copy)],
                capture_output=True,
                text=True,
                env=child_env(),
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
            assert "backed up" in done.stdout
            copies.append(copy)
        during = items(db)
    # Each read saw whole transactions, and more of them each time: the writer went on meanwhile.
    assert all(c % BATCH == 0 for c in read), read
    assert 0 < read[0] < read[1] < read[2], read
    counts = [items(c) for c in copies]
    assert all(c % BATCH == 0 for c in counts), counts  # whole transactions only
    assert counts[-1] > 0 and during >= counts[-1]
    for copy in copies:
        assert check_database(copy).ok
        assert not Path(f"{copy}-wal").exists()  # one self-contained file
    checked = subprocess.run(
        [TJWATCH, "--config", str(config), "db", "check"],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=60,
    )
    assert checked.returncode == 0 and checked.stdout.startswith("ok:"), checked


def test_check_names_damage_and_backup_refuses_to_overwrite_the_source(tmp_path: Path) -> None:
    db = tmp_path / "tjwatch.db"
    store = open_store(db)
    store.db.execute("CREATE TABLE filler (x TEXT)")
    with store.db.atomic():
        for k in range(2000):
            store.db.execute("INSERT INTO filler VALUES (?)", [f"{k}" * 50])
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    assert check_database(db).ok
    with pytest.raises(StorageError, match="another file"):
        backup_database(db, db)

    raw = bytearray(db.read_bytes())
    page = 4096
    for offset in range(page * 5, len(raw) - page, page * 3):  # scribble over some pages
        raw[offset + 8 : offset + 200] = b"\xa5" * 192
    db.write_bytes(bytes(raw))
    result = check_database(db)
    assert not result.ok and result.problems
    from bot.cli import main

    assert main(["--config", str(write_config(tmp_path, {})), "db", "check"]) == 1


@pytest.mark.asyncio
async def test_full_disk_is_a_clear_error_and_the_database_stays_whole(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    config = write_config(
        tmp_path,
        {
            "Lenta": feed_server.url("lenta-ru-2022-12-rss.xml"),
            "Topic": feed_server.url("topic-ru-rss.xml"),
        },
    )
    db = tmp_path / "tjwatch.db"
    async with Services.build(load_settings(config, env={})) as services:
        store = services.store
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        # "database or disk is full" after a few more pages, as on a full volume
        store.db.execute(f"PRAGMA max_page_count = {pages + 8}")
        with pytest.raises((StorageError, sqlite3.OperationalError), match="full"):
            await poll(services, force=True)
    assert check_database(db).ok
    # With room again the next cycle stores everything: nothing was half-written.
    async with Services.build(load_settings(config, env={})) as services:
        await poll(services, force=True)
    assert check_database(db).ok
    assert items(db) == 198 + 12


# Real read-only and full volumes need mount(8), i.e. root or CAP_SYS_ADMIN: a property of the
# machine, not a missing install, so these skip (with this reason) where it is not there, CI too.
# The full-disk test above (SQLite page limit) runs everywhere.
MOUNT_NEEDED = "needs mount (root or CAP_SYS_ADMIN) to make "


def test_read_only_database_gives_a_clear_error(tmp_path: Path, feed_server: FeedServer) -> None:
    config = write_config(tmp_path, {"Topic": feed_server.url("topic-ru-rss.xml")})
    db = tmp_path / "tjwatch.db"
    from bot.cli import main

    assert main(["--config", str(config), "poll", "--once"]) == 0
    before = items(db)
    (tmp_path / "ro").mkdir()
    # A read-only mount is what a real deployment gets wrong; as root, bind-mount one.
    ro = tmp_path / "ro"
    if subprocess.run(["mount", "--bind", str(tmp_path), str(ro)], capture_output=True).returncode:
        pytest.skip(MOUNT_NEEDED + "a read-only view of the database")
    try:
        if subprocess.run(
            ["mount", "-o", "remount,ro,bind", str(ro)], capture_output=True
        ).returncode:
            pytest.skip(MOUNT_NEEDED + "a read-only view of the database")
        done = subprocess.run(
            [TJWATCH, "--config", str(config), "poll", "--once"],
            capture_output=True,
            text=True,
            timeout=120,
            env=child_env(TJWATCH_DB=str(ro / "tjwatch.db")),
        )
    finally:
        subprocess.run(["umount", str(ro)], check=False)
    assert done.returncode == 3, done
    assert "tjwatch: error:" in done.stderr and "Traceback" not in done.stderr
    assert "read" in done.stderr.lower()
    assert check_database(db).ok and items(db) == before


def test_concurrent_reader_waits_out_a_long_write(tmp_path: Path) -> None:
    db = tmp_path / "tjwatch.db"
    open_store(db).close()
    conn = sqlite3.connect(db)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO state (key, value) VALUES ('held', 'x')")
    try:
        # another process writing while this transaction holds the lock waits (busy timeout)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from storage import open_store;"
                "s = open_store(Path(sys.argv[1])); s.state.set('other', 'y'); print('wrote')",
                str(db),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parents[2],
        )
        time.sleep(1.5)
        assert proc.poll() is None  # still waiting, not failed
    finally:
        conn.commit()
        conn.close()
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and out.strip() == "wrote"
    assert dict(query(db, "SELECT key, value FROM state")).keys() >= {"held", "other"}


@pytest.mark.slow
def test_full_disk_under_the_cli_is_a_clear_error_and_nothing_is_half_written(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A real full volume (a tmpfs a little larger than the empty database), not a pragma."""
    config = write_config(
        tmp_path,
        {
            "Lenta": feed_server.url("lenta-ru-2022-12-rss.xml"),
            "Topic": feed_server.url("topic-ru-rss.xml"),
        },
    )
    empty = tmp_path / "empty.db"
    open_store(empty).close()
    volume = tmp_path / "volume"
    volume.mkdir()
    size_kb = empty.stat().st_size // 1024 + 96
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(volume)],
        capture_output=True,
    ).returncode:
        pytest.skip(MOUNT_NEEDED + "a small volume to fill")
    try:
        db = volume / "tjwatch.db"
        db.write_bytes(empty.read_bytes())
        done = subprocess.run(
            [TJWATCH, "--config", str(config), "poll", "--once"],
            capture_output=True,
            text=True,
            timeout=120,
            env=child_env(TJWATCH_DB=str(db)),
        )
        print(
            f"\nfull disk ({size_kb} KiB volume): exit {done.returncode}, "
            f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}"
        )
        assert done.returncode == 3, done.stderr[-3000:]
        assert "tjwatch: error:" in done.stderr and "Traceback" not in done.stderr
        assert "full" in done.stderr
        assert check_database(db).ok
        half = unscored(db)
        rescued = tmp_path / "rescued.db"
        backup_database(db, rescued)  # what an operator does next: copy it somewhere roomier
    finally:
        subprocess.run(["umount", str(volume)], check=False)
    assert half == 0  # items and their verdicts are written in one transaction
    done = subprocess.run(
        [TJWATCH, "--config", str(config), "poll", "--once"],
        capture_output=True,
        text=True,
        timeout=120,
        env=child_env(TJWATCH_DB=str(rescued)),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert check_database(rescued).ok and items(rescued) == 198 + 12 and unscored(rescued) == 0


def unscored(db: Path) -> int:
    """Items stored without their verdict: never judged, so never delivered (lost)."""
    return int(
        query(
            db,
            "SELECT count(*) FROM items i LEFT JOIN verdicts v "
            "ON v.item_id = i.id WHERE v.item_id IS NULL",
        )[0][0]
    )
