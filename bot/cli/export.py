"""``tjwatch export``: the period's relevant items (or stories) as CSV or JSON Lines."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.common import services
from bot.cli.summary import PERIOD_HELP, _period
from bot.exports import FORMATS, export_rows, write_csv, write_jsonl


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "export",
        help="write the relevant items (or stories) of a period as CSV or JSON Lines to stdout: "
        "verdicts, sources, languages, story id and links",
    )
    parser.add_argument("--format", required=True, choices=FORMATS)
    parser.add_argument("--since", default="30d", metavar="PERIOD", help=PERIOD_HELP)
    parser.add_argument(
        "--stories", action="store_true", help="one row per story instead of per item"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    asyncio.run(_export(args))
    return 0


async def _export(args: argparse.Namespace) -> None:
    async with services(args) as svc:
        period = _period(svc, args.since)
        columns, rows = await export_rows(
            svc.store, period, stories=args.stories, public_url=svc.settings.public_url
        )
    write = write_csv if args.format == "csv" else write_jsonl
    write(columns, rows, sys.stdout)
