"""Database maintenance for the CLI: a consistent backup, SQLite's own checks, the figures of
``tjwatch db stats`` and a pruning pass, all safe while the service runs. The work is storage's
and retention's; this is where the entry points reach it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.retention import PruneReport, RetentionPolicy, prune
from storage import open_store
from storage.maintenance import BackupResult, CheckResult, backup_database, check_database
from storage.maintenance import database_stats as _database_stats
from storage.retention import AgeBucket, DatabaseStats

__all__ = [
    "AgeBucket",
    "BackupResult",
    "CheckResult",
    "DatabaseStats",
    "PruneReport",
    "RetentionPolicy",
    "backup_database",
    "check_database",
    "database_stats",
    "prune_database",
]


def database_stats(path: Path, policy: RetentionPolicy, *, now: datetime) -> DatabaseStats:
    """Items by kind and age, the file's size and free pages, and what the next pruning by
    ``policy`` deletes (on a read-only connection)."""
    return _database_stats(
        path,
        now=now,
        unmatched_before=policy.text_before(now),
        matched_before=policy.matched_before(now),
        tombstones_before=policy.tombstones_before(now),
        traces_before=policy.unmatched_before(now),
    )


async def prune_database(path: Path, policy: RetentionPolicy, *, now: datetime) -> PruneReport:
    """One pruning pass on the file at ``path`` (``tjwatch db prune``), in its own short
    transactions, beside a running service."""
    store = open_store(path)
    try:
        return await prune(store, policy, now=now)
    finally:
        store.close()
