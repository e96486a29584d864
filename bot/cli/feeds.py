"""``tjwatch feeds``: the feeds and their health."""

from __future__ import annotations

import argparse
from datetime import datetime

from bot.cli.common import services
from storage import FeedState


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("feeds", help="show the feeds and their health")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    svc = services(args)
    try:
        print(format_feeds(svc.store.feeds.all()))
    finally:
        svc.store.close()
    return 0


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def format_feeds(feeds: list[FeedState]) -> str:
    rows = [("ID", "NAME", "STATUS", "LAST OK", "FAILS", "ITEMS", "NEXT POLL", "LAST ERROR")]
    for f in feeds:
        status = "inactive" if not f.active else ("failing" if f.consecutive_failures else ("ok" if f.last_success_at else "new"))
        error = f.last_error or (f"recovered from: {f.bozo_reason}" if f.bozo_reason else "")
        rows.append((str(f.id), f.name[:32], status, _when(f.last_success_at), str(f.consecutive_failures),
                     str(f.items_seen), _when(f.next_poll_at), error[:100]))
    widths = [max(len(r[i]) for r in rows) for i in range(7)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r[:7], widths, strict=True)) + "  " + r[7] for r in rows)
