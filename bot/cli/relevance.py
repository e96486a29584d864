"""``tjwatch score``, ``tjwatch eval`` and ``tjwatch explain``: the relevance scorer from the shell.

``score`` and ``eval`` read a file and use the configured seeds and rules only: no network, no
database. They read the whole file first so that document frequencies are learnt from all its
items (as the running bot learns them from every item it sees), then score each item in order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from bot.cli.common import load, services
from bot.errors import UsageError
from bot.explaining import explain_stored, find_target
from bot.ingest.item_files import BadLine, LabelledItem, read_items
from bot.relevance.build import build_seed_scorer, keyword_rules
from bot.relevance.evaluate import Figures, evaluate
from bot.relevance.explain import render_text
from bot.relevance.scorer import KeywordScorer
from bot.relevance.seed_scorer import SeedScorer
from bot.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    score = sub.add_parser(
        "score",
        help="score a JSON Lines or RSS/Atom file against the seeds (no network, no DB)",
        description="Prints one JSON object per item, in input order. Bad lines are reported on "
        "stderr with their line number (exit code 1); the other items are still scored.",
    )
    score.add_argument(
        "path", metavar="PATH", type=Path, help="JSON Lines (id, title, summary...) or a feed"
    )
    score.set_defaults(handler=handle_score)
    ev = sub.add_parser(
        "eval",
        help="precision, recall, F1 and story accuracy on a labelled file, beside the keyword rule",
    )
    ev.add_argument(
        "path", metavar="PATH", type=Path, help="JSON Lines with label and story fields"
    )
    ev.set_defaults(handler=handle_eval)
    ex = sub.add_parser(
        "explain", help="why a stored item got its verdict: terms, seed similarity, story"
    )
    ex.add_argument(
        "key",
        metavar="ID_OR_URL",
        help="an item's id (poll --once, digest) or address, or a story number (summary, "
        "digest): its first report",
    )
    ex.set_defaults(handler=handle_explain)


def _read(path: Path) -> tuple[list[LabelledItem], list[BadLine]]:
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    good: list[LabelledItem] = []
    bad: list[BadLine] = []
    for row in read_items(path):
        (bad if isinstance(row, BadLine) else good).append(row)  # type: ignore[arg-type]
    return good, bad


def _report_bad(path: Path, bad: list[BadLine]) -> None:
    for b in bad:
        where = f"line {b.line}" if b.line else "file"
        print(f"tjwatch: {path}: {where}: {b.error}", file=sys.stderr)


def _offline_scorer(settings: Settings, rows: list[LabelledItem]) -> SeedScorer:
    scorer = build_seed_scorer(settings, learn=False)
    scorer.observe(r.item for r in rows)
    return scorer


def handle_score(args: argparse.Namespace) -> int:
    settings = load(args)
    rows, bad = _read(args.path)
    _report_bad(args.path, bad)
    scorer = _offline_scorer(settings, rows)
    try:
        _print_scores(scorer, rows)
    except BrokenPipeError:  # `tjwatch score FILE | head`: the reader has gone, nothing to report
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush quiet
    return 1 if bad else 0


def _print_scores(scorer: SeedScorer, rows: list[LabelledItem]) -> None:
    for row in rows:
        v = scorer.score(row.item)
        out = {
            "id": row.item.id,
            "relevant": v.relevant,
            "score": v.score,
            "story": v.story,
            "nearest_seed": v.nearest_seed,
            "seed_similarity": v.seed_similarity,
            "matched_terms": list(v.matched_terms),
            "whats_new": v.whats_new,
            "reason": v.reason,
        }
        print(json.dumps(out, ensure_ascii=False), flush=True)


def handle_eval(args: argparse.Namespace) -> int:
    settings = load(args)
    rows, bad = _read(args.path)
    _report_bad(args.path, bad)
    labelled = [r for r in rows if r.label in ("relevant", "irrelevant")]
    if not labelled:
        raise UsageError(f'{args.path}: no item has a label of "relevant" or "irrelevant"')
    scorer = _offline_scorer(settings, labelled)
    baseline = KeywordScorer(keyword_rules(settings))
    ours = evaluate((r.label or "", r.story, scorer.score(r.item)) for r in labelled)
    base = evaluate((r.label or "", r.story, baseline.score(r.item)) for r in labelled)
    print(f"{len(labelled)} labelled items, {ours.true_pos + ours.false_neg} relevant")
    print(f"{'':18}{'precision':>10}{'recall':>8}{'F1':>8}{'story acc.':>12}")
    for name, fig in (("seed scorer", ours), ("keyword baseline", base)):
        print(_row(name, fig))
    return 1 if bad else 0


def _row(name: str, f: Figures) -> str:
    story = f"{f.story_accuracy:.3f}"
    return (
        f"{name:18}{f.precision:>10.3f}{f.recall:>8.3f}{f.f1:>8.3f}{story:>12}  "
        f"(tp {f.true_pos}, fp {f.false_pos}, fn {f.false_neg}; "
        f"story {f.story_correct}/{f.story_total})"
    )


def handle_explain(args: argparse.Namespace) -> int:
    async def run() -> int:
        async with services(args) as svc:
            target = await find_target(svc.store, args.key)
            if target is not None and target.item.trace:
                days = svc.settings.file.retention.unmatched_text_days
                print(
                    f"tjwatch: item {target.item.id} ({target.item.title!r}) did not match; its"
                    f" text was deleted {days} days after its date ([retention]"
                    " unmatched_text_days) and only its headline, link and date are kept, so"
                    " there is nothing left to explain it from",
                    file=sys.stderr,
                )
                return 1
            explanation = (
                await explain_stored(target.item.id, store=svc.store, scorer=svc.scorer)
                if target
                else None
            )
            if target is None or explanation is None:
                print(
                    f"tjwatch: no stored story or item has the id or address {args.key!r}"
                    " (a number is a story, as summary and digest show it; an item's id is"
                    " 20 characters, as poll --once and digest show it)",
                    file=sys.stderr,
                )
                return 1
            if target.story_id is not None:
                print(f"Story {target.story_id}: its first report, item {target.item.id}\n")
            print(render_text(explanation))
            return 0

    return asyncio.run(run())
