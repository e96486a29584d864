"""Database maintenance while the bot runs: a consistent backup copy, an integrity check, and
the figures of ``tjwatch db stats``.

Both open their own connection to the file, so they work from a second process (``tjwatch db``)
while the service writes: the backup uses SQLite's online backup API, which copies one snapshot
(a read transaction in WAL mode never blocks the writer, and the writer never blocks it); the
check runs ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check`` on a read-only connection.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from storage.database import BUSY_TIMEOUT_MS
from storage.errors import StorageError
from storage.retention import DatabaseStats, RetentionRepository


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    pages: int
    bytes: int


@dataclass(frozen=True, slots=True)
class CheckResult:
    ok: bool
    problems: tuple[str, ...]
    """Empty when ``ok``; otherwise SQLite's own messages (at most 100)."""


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    if not path.is_file():
        raise StorageError(
            f"no database at {str(path)!r}; run tjwatch poll first "
            "or set TJWATCH_DB to the right file"
        )
    mode = "ro" if read_only else "rw"
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def backup_database(source: Path, dest: Path) -> BackupResult:
    """Copy ``source`` to ``dest`` as one consistent snapshot, even while another process writes.

    The copy is written next to ``dest`` and renamed into place, so a failed backup never leaves
    a half-written file under the requested name.
    """
    if dest.resolve() == source.resolve():
        raise StorageError("the backup must go to another file than the database itself")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        src = _connect(source, read_only=False)
        try:
            out = sqlite3.connect(partial)
            try:
                src.backup(out)  # pages=-1: one step, one snapshot
                out.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
                pages = int(out.execute("PRAGMA page_count").fetchone()[0])
            finally:
                out.close()
        finally:
            src.close()
        partial.replace(dest)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(f"backup of {str(source)!r} to {str(dest)!r} failed: {exc}") from exc
    return BackupResult(dest, pages, dest.stat().st_size)


def check_database(path: Path) -> CheckResult:
    """SQLite's integrity check and foreign-key check on a read-only connection."""
    try:
        conn = _connect(path, read_only=True)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check(100)")]
            if problems == ["ok"]:
                problems = []
            problems += [
                f"foreign key: row {rowid} of {table} points to a missing {parent} row"
                for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check")
            ][: 100 - len(problems)]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return CheckResult(False, (f"{exc}",))
    return CheckResult(not problems, tuple(problems))


def database_stats(
    path: Path,
    *,
    now: datetime,
    unmatched_before: datetime,
    matched_before: datetime | None,
    tombstones_before: datetime,
    traces_before: datetime,
) -> DatabaseStats:
    """``RetentionRepository.stats`` on a read-only connection (safe while the service runs)."""
    try:
        conn = _connect(path, read_only=True)
        try:
            return RetentionRepository(Database(conn)).stats(
                now=now,
                unmatched_before=unmatched_before,
                matched_before=matched_before,
                tombstones_before=tombstones_before,
                traces_before=traces_before,
            )
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read the database {str(path)!r}: {exc}") from exc
