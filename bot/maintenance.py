"""Database maintenance for the CLI: a consistent backup and SQLite's own checks, both safe while
the service runs. The work is storage's; this is where the entry points reach it."""

from __future__ import annotations

from storage.maintenance import BackupResult, CheckResult, backup_database, check_database

__all__ = ["BackupResult", "CheckResult", "backup_database", "check_database"]
