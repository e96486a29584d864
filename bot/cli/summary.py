"""``tjwatch summary`` (the period's brief) and ``tjwatch trend`` (its chart as a PNG file)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.common import services
from bot.digest.llm import LlmClient
from bot.digest.period import Period, PeriodError, parse_period
from bot.digest.summary import summarize
from bot.digest.themes import matcher_for
from bot.errors import UsageError
from bot.render.summary_plain import render_summary_plain
from bot.render.summary_texts import LANGS, summary_texts
from bot.services import Services

PERIOD_HELP = "24h, 7d, 30d (any Nh or Nd), or a date YYYY-MM-DD (since that day)"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    summary = sub.add_parser(
        "summary",
        help="print the brief of a period: top stories with quoted summaries, sources and "
        "languages, themes with counts, busiest sources",
    )
    summary.add_argument("--since", default="7d", metavar="PERIOD", help=PERIOD_HELP)
    summary.add_argument("--top", type=int, default=5, metavar="N", help="stories shown (1-30)")
    summary.add_argument("--lang", default="en", choices=LANGS, help="language of the labels")
    summary.set_defaults(handler=handle_summary)
    chart = sub.add_parser(
        "trend", help="write a PNG chart of relevant items per day, stacked by theme"
    )
    chart.add_argument("--out", required=True, type=Path, metavar="FILE.png")
    chart.add_argument("--since", default="30d", metavar="PERIOD", help=PERIOD_HELP)
    chart.add_argument("--lang", default="en", choices=LANGS, help="language of the title")
    chart.set_defaults(handler=handle_trend)


def _period(svc: Services, text: str, max_days: int | None = None) -> Period:
    tz = svc.settings.file.schedule.timezone
    period = parse_period(text, svc.clock.now(), tz_name=tz, max_days=max_days)
    if isinstance(period, PeriodError):
        raise UsageError(period_error(period))
    return period


def period_error(error: PeriodError) -> str:
    match error.reason:
        case "future":
            return f"--since {error.text!r} is in the future; give a date up to today"
        case "too_long":
            return (
                f"--since {error.text!r} is longer than the {error.max_days} days a trend chart"
                " shows (a bar a day); give a shorter period"
            )
        case _:
            return f"--since {error.text!r} is not a period; use {PERIOD_HELP}"


def handle_summary(args: argparse.Namespace) -> int:
    if not 1 <= args.top <= 30:
        raise UsageError("--top takes a number from 1 to 30")
    asyncio.run(_summary(args))
    return 0


async def _summary(args: argparse.Namespace) -> None:
    async with services(args) as svc:
        period = _period(svc, args.since)
        summary = await summarize(
            svc.store,
            period,
            matcher=matcher_for(svc.settings, args.lang),
            llm=LlmClient.from_settings(svc.settings),
            now=svc.clock.now(),
            limit=args.top,
            lang=args.lang,
        )
        tz = svc.settings.file.schedule.timezone
        print(render_summary_plain(summary, summary_texts(args.lang), tz_name=tz), end="")


def handle_trend(args: argparse.Namespace) -> int:
    asyncio.run(_trend(args))
    return 0


async def _trend(args: argparse.Namespace) -> None:
    # matplotlib: a second of imports every other verb skips
    from bot.digest.trend import MAX_DAYS, trend

    async with services(args) as svc:
        period = _period(svc, args.since, MAX_DAYS)
        texts = summary_texts(args.lang)
        chart = await trend(
            svc.store,
            period,
            matcher=matcher_for(svc.settings, args.lang),
            title=texts.chart_title(svc.settings.topic.subject_in(args.lang), period),
        )
        out: Path = args.out
        try:
            out.write_bytes(chart.png)
        except OSError as exc:
            raise UsageError(f"cannot write {str(out)!r}: {exc.strerror}") from None
        caption = texts.trend_caption.format(period=texts.period(period), total=chart.data.total)
        if chart.data.undated:
            caption += " " + texts.trend_undated.format(n=chart.data.undated)
        print(f"{out}: {caption}")
