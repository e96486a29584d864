"""``tjwatch poll --once``: fetch every feed once and print the new matching items."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import services
from bot.ingest.cycle import CycleReport, PollStatus
from bot.jobs import poll


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("poll", help="fetch all feeds once and print the new matching items")
    parser.add_argument(
        "--once", action="store_true", required=True, help="poll once and exit (required)"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    report = asyncio.run(_poll(args))
    print(format_report(report))
    return 0


async def _poll(args: argparse.Namespace) -> CycleReport:
    async with services(args) as svc:
        return await poll(svc, force=True)


def format_report(report: CycleReport) -> str:
    ok = sum(1 for f in report.feeds if f.status is PollStatus.OK)
    unchanged = sum(1 for f in report.feeds if f.status is PollStatus.NOT_MODIFIED)
    lines = [
        f"Polled {len(report.feeds)} feeds in {report.seconds:.1f} s: {ok} ok, "
        f"{unchanged} not modified, {len(report.failed)} failed. "
        f"{report.new_items} new items, {len(report.matched)} matching."
    ]
    for failure in report.failed:
        lines.append(f"  failed: {failure.feed}: {failure.error}")
    if report.matched:
        # The ID is what ``tjwatch explain`` takes.
        rows = [("ID", "SCORE", "PUBLISHED", "SOURCE", "TITLE")]
        for item, verdict in report.matched:
            rows.append(
                (
                    item.id,
                    f"{verdict.score:.2f}",
                    item.timeline_at.strftime("%Y-%m-%d %H:%M"),
                    item.source[:24],
                    item.title[:90],
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines.append("")
        for row in rows:
            lines.append(
                "  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4]
            )
    return "\n".join(lines)
