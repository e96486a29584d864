"""Is the service alive? The last poll cycle finished within twice the poll interval, and the
database can still be written. ``tjwatch health`` (and so Docker's HEALTHCHECK) asks this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.settings import Settings
from storage import Store
from storage.ops import probe_database, record_cycle_finished

# The flag /pause sets (bot/polling.py): a deliberate pause is not a failure.
PAUSED_KEY = "polling_paused"


@dataclass(frozen=True, slots=True)
class Health:
    healthy: bool
    reasons: tuple[str, ...]
    """Why not healthy (empty when healthy), each saying what to do."""
    last_cycle_finished_at: datetime | None
    limit: timedelta
    paused: bool = False
    """An admin paused polling: healthy while the database is writable, whatever the age."""


def check_health(settings: Settings, now: datetime) -> Health:
    limit = timedelta(minutes=2 * settings.file.schedule.poll_interval_minutes)
    probe = probe_database(settings.database_path)
    last = probe.last_cycle_finished_at
    paused = probe.state.get(PAUSED_KEY) == "1"
    reasons: list[str] = []
    if probe.problem:
        fix = (
            "start `tjwatch run` (or `tjwatch poll --once`) with this database, or set TJWATCH_DB"
            if not probe.exists
            else "check the file's owner and permissions and the free disk space"
        )
        reasons.append(f"{probe.problem}; {fix}")
    if paused:
        return Health(not reasons, tuple(reasons), last, limit, paused)
    if probe.exists and last is None and probe.writable:
        reasons.append(
            "no poll cycle has finished yet; wait for the first one, or read the log of "
            "`tjwatch run` for errors"
        )
    elif last is not None and now - last > limit:
        reasons.append(
            f"the last poll cycle finished {format_age(now - last)} ago, more than twice the "
            f"poll interval ({format_age(limit)}); check that `tjwatch run` is running and "
            "read its log"
        )
    return Health(not reasons, tuple(reasons), last, limit, paused)


async def cycle_finished(store: Store, at: datetime) -> None:
    """Record that a poll cycle finished ``at`` (the poll job calls it after every cycle)."""
    await store.run(record_cycle_finished, store.db, at)


def format_age(age: timedelta) -> str:
    seconds = max(0, int(age.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} days"
