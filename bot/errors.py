"""The exceptions tjwatch raises on purpose.

Expected, per-feed or per-chat failures (a feed that times out or is not a feed, a chat that
blocked the bot) are *values* (``bot.models.FetchResult``, ``bot.models.ParsedFeed``, the outcomes
in ``bot.delivery.channel``), not exceptions: one bad outlet must never stop a cycle. Exceptions
are for what stops an operation outright::

    TjwatchError                 base; ``exit_code`` is what the CLI exits with (1)
    ├── ConfigError              the configuration is wrong: names the file, the key and the fix
    │                            (exit 2)
    ├── ServiceRunning           another process runs the service on this database
    └── UsageError               a command was called with bad arguments (exit 2)

``StorageError`` (exit 3: the database cannot be opened or written) is the storage layer's own,
since storage imports nothing from ``bot``; it is named here so that the entry points catch it
without reaching into storage.
"""

from __future__ import annotations

from storage.errors import StorageError

__all__ = ["ConfigError", "ServiceRunning", "StorageError", "TjwatchError", "UsageError"]


class TjwatchError(Exception):
    """Base of every error tjwatch raises deliberately."""

    exit_code = 1


class ConfigError(TjwatchError):
    """A configuration mistake, reported as ``file: key: problem. Fix: ...``."""

    exit_code = 2

    def __init__(self, file: str, key: str, problem: str, fix: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        self.fix = fix
        super().__init__(f"{file}: {key}: {problem}. Fix: {fix}")


class UsageError(TjwatchError):
    exit_code = 2


class ServiceRunning(TjwatchError):
    """Another process holds the database's service lock (``bot.service_lock``)."""
