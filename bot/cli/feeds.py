"""``tjwatch feeds``: the feeds and their health; ``add``, ``remove``, ``import``, ``export``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from bot.cli.common import services
from bot.errors import UsageError
from bot.ingest.feed_admin import (
    FeedHealth,
    add_feed,
    export_opml,
    import_opml,
    list_feed_health,
    remove_feed,
)
from bot.ingest.parse import parse_feed
from bot.services import Services


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "feeds",
        help="show the feeds and their health; add, remove, import or export feeds",
        description="Without a subcommand: the feeds and their health.",
    )
    parser.set_defaults(handler=handle, feeds_action=None)
    actions = parser.add_subparsers(dest="feeds_action", metavar="ACTION")
    add = actions.add_parser("add", help="add a feed after fetching it once to check it")
    add.add_argument("url", metavar="URL", help="the feed's http(s) address")
    add.add_argument("--name", help="display name (default: the feed's own title)")
    remove = actions.add_parser("remove", help="stop polling a feed (its items stay)")
    remove.add_argument("key", metavar="ID|URL|NAME", help="the feed's id, address or name")
    imp = actions.add_parser("import", help="add every feed listed in an OPML file")
    imp.add_argument("file", metavar="FILE.opml", type=Path)
    actions.add_parser("export", help="print the active feeds as OPML 2.0")


def handle(args: argparse.Namespace) -> int:
    action: Callable[[Services, argparse.Namespace], Awaitable[int]] = {
        None: _table,
        "add": _add,
        "remove": _remove,
        "import": _import,
        "export": _export,
    }[args.feeds_action]
    if args.feeds_action == "import" and not args.file.is_file():
        raise UsageError(f"{args.file}: no such file")

    async def run() -> int:
        async with services(args) as svc:
            return await action(svc, args)

    return asyncio.run(run())


async def _table(svc: Services, args: argparse.Namespace) -> int:
    feeds = await list_feed_health(svc.store)
    if not feeds:
        print("No feeds yet. Add [[feeds]] to the config file, or run: tjwatch feeds add URL")
        return 0
    print(format_feeds(feeds))
    return 0


async def _add(svc: Services, args: argparse.Namespace) -> int:
    result = await add_feed(
        args.url,
        args.name,
        store=svc.store,
        fetcher=svc.fetcher,
        parse=lambda content, headers: svc.run_cpu(parse_feed, content, headers),
        public_only=not svc.settings.file.fetch.allow_private_addresses,
        now=svc.clock.now(),
    )
    if not result.ok or result.feed is None:
        print(f"tjwatch: feed not added: {result.detail}", file=sys.stderr)
        return 1
    print(
        f"Added feed {result.feed.id} {result.feed.name!r} ({result.feed.url}); "
        f"it lists {result.items} items."
    )
    return 0


async def _remove(svc: Services, args: argparse.Namespace) -> int:
    result = await remove_feed(svc.store, args.key, now=svc.clock.now())
    if not result.ok or result.feed is None:
        print(f"tjwatch: {result.detail}", file=sys.stderr)
        return 1
    print(
        f"Removed feed {result.feed.id} {result.feed.name!r}; "
        f"its {result.feed.items_seen} items stay."
    )
    return 0


async def _import(svc: Services, args: argparse.Namespace) -> int:
    report = await import_opml(
        args.file.read_bytes(),
        store=svc.store,
        fetcher=svc.fetcher,
        public_only=not svc.settings.file.fetch.allow_private_addresses,
        now=svc.clock.now(),
    )
    if report.error:
        raise UsageError(f"{args.file}: {report.error}")
    print(f"Imported {len(report.added)} feeds from {args.file}; skipped {len(report.skipped)}.")
    for url, reason in report.skipped:
        print(f"  skipped {url}: {reason}")
    return 0


async def _export(svc: Services, args: argparse.Namespace) -> int:
    print(await export_opml(svc.store, now=svc.clock.now()), end="")
    return 0


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def format_feeds(feeds: list[FeedHealth]) -> str:
    rows = [("ID", "NAME", "STATUS", "LAST OK", "FAILS", "ITEMS", "NEXT POLL", "LAST ERROR")]
    for f in feeds:
        if f.last_error:
            note = f.last_error
        elif f.bozo_reason:
            note = f"recovered: {f.bozo_reason}"
        else:
            note = ""
        rows.append(
            (
                str(f.id),
                f.name[:32],
                f.status,
                _when(f.last_success_at),
                str(f.consecutive_failures),
                str(f.items_seen),
                _when(f.next_poll_at) if f.active else "-",
                note[:120],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(7)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r[:7], widths, strict=True)) + "  " + r[7]
        for r in rows
    )
