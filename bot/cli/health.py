"""``tjwatch health``: exit 0 when the service is alive, 1 with the reasons when it is not."""

from __future__ import annotations

import argparse

from bot.cli.common import load
from bot.clock import SystemClock
from bot.health import check_health, format_age


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "health",
        help="exit 0 when the last poll cycle finished within twice the poll interval and the "
        "database is writable; otherwise print why and exit 1 (Docker's HEALTHCHECK)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    settings = load(args)
    now = SystemClock().now()
    health = check_health(settings, now)
    if not health.healthy:
        print("unhealthy:")
        for reason in health.reasons:
            print(f"  - {reason}")
        return 1
    last = health.last_cycle_finished_at
    cycle = "polling is paused by an admin (/resume restarts it)"
    if not health.paused and last is not None:
        cycle = f"the last poll cycle finished {format_age(now - last)} ago"
        cycle += f" (limit {format_age(health.limit)})"
    print(f"healthy: {cycle}; the database {str(settings.database_path)!r} is writable")
    return 0
