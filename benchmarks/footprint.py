"""The footprint of a small deployment: ``tjwatch run`` on the real feed snapshots (issue 23).

    python -m benchmarks.footprint [--cycles 3] [--json]

The shipped config's shape (its topic, rules, seeds and themes) polling the 36 real feed snapshots
of ``tests/data/feeds/*.xml`` and ``tests/data/topic/*.xml``, served on loopback by
``benchmarks.server``; full text off (only loopback is reachable), a poll every minute. ``tjwatch
run --cycles N`` starts as a deployment starts it: the console script, console mode (no
``TELEGRAM_BOT_TOKEN``, no Slack), its own database. The server sends no validators, so every
cycle fetches and parses every feed again (as feeds that changed since the last poll; the items
are known by then, as most of a real feed's are); ``--validators`` lets later cycles be 304s.
Each feed's ``lang`` is set, as the shipped config sets it for every feed: the language its items
are identified in (by tjwatch's own identification, run here, outside the measured tree);
``--undeclared`` leaves it out, so that the bot identifies the language of the items of the feeds
that declare none themselves (loading the language identifier's model).

While it runs, the PSS (``Pss`` of ``/proc/PID/smaps_rollup``: each shared page divided among
the processes sharing it, what the box pays) of every process of its tree is read every
``--interval`` seconds: the bot, the parse pool's fork server and workers, multiprocessing's
resource tracker. It prints the peak of their sum, each process's share at that moment and its
own peak, and the peak of each cycle (from the end of the one before; the first includes the
start). ``--json`` prints one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.memory import PROC, _children, _kb
from tests.support.config import write_config

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = (REPO / "tests" / "data" / "feeds", REPO / "tests" / "data" / "topic")
HOSTS = 4
POLL_MINUTES = 1
# Environment variables that would start something the console deployment does not run.
NOT_INHERITED = ("TELEGRAM_", "SLACK_", "TJWATCH_", "METRICS_PORT", "LLM_")


@dataclass
class Peaks:
    """What the sampler saw: the tree's peak, its make-up then, and each process's own peak."""

    pss_kb: int = 0
    rss_kb: int = 0
    at_peak: dict[str, int] = field(default_factory=dict)
    own: dict[str, int] = field(default_factory=dict)
    cycles: list[int] = field(default_factory=lambda: [0])
    samples: int = 0

    def add(self, sample: dict[str, tuple[int, int]], cycle: int) -> None:
        self.samples += 1
        pss = sum(p for p, _ in sample.values())
        self.rss_kb = max(self.rss_kb, sum(r for _, r in sample.values()))
        if pss > self.pss_kb:
            self.pss_kb, self.at_peak = pss, {name: p for name, (p, _) in sample.items()}
        for name, (p, _) in sample.items():
            self.own[name] = max(self.own.get(name, 0), p)
        while len(self.cycles) <= cycle:
            self.cycles.append(0)
        self.cycles[cycle] = max(self.cycles[cycle], pss)


def stage_feeds(folder: Path) -> list[str]:
    """Copy the snapshots into ``folder`` with the content type the server sends beside each."""
    folder.mkdir()
    names = []
    for source in SNAPSHOTS:
        for path in sorted(source.glob("*.xml")):
            shutil.copy(path, folder / path.name)
            kind = "atom" if "atom" in path.stem else "rss"
            (folder / (path.name + ".type")).write_text(f"application/{kind}+xml")
            names.append(path.name)
    return names


def feed_language(path: Path) -> str | None:
    """The language most of a feed's items are in, as tjwatch identifies them."""
    from bot.ingest.worker import parse_and_normalize

    parsed = parse_and_normalize(
        path.read_bytes(),
        {},
        feed_id=0,
        feed_name=path.stem,
        feed_url=f"http://127.0.0.1/{path.name}",
        feed_lang=None,
        fetched_at=datetime.now(UTC),
    )
    found = Counter(item.lang for item in parsed.items if item.lang)
    return found.most_common(1)[0][0] if found else None


def roles(root: int) -> dict[int, str]:
    """The processes of ``root``'s tree by role (workers are the fork server's children)."""
    named = {root: "bot"}
    stack = [root]
    workers = 0
    while stack:
        pid = stack.pop()
        for child in _children(pid):
            try:
                cmdline = (PROC / str(child) / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if named[pid] == "fork server":
                workers += 1
                named[child] = f"parse worker {workers}"
            elif b"forkserver" in cmdline:
                named[child] = "fork server"
            elif b"resource_tracker" in cmdline:
                named[child] = "resource tracker"
            else:
                named[child] = cmdline.decode(errors="replace").split(" ")[0].rsplit("/", 1)[-1]
            stack.append(child)
    return named


def sample(root: int) -> dict[str, tuple[int, int]]:
    """PSS and RSS (KiB) of every process of the tree, by role."""
    return {
        name: (_kb(pid, "smaps_rollup", "Pss:"), _kb(pid, "status", "VmRSS:"))
        for pid, name in roles(root).items()
    }


def measure(cycles: int, interval: float, validators: bool, declared: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tjwatch-footprint-") as tmp:
        folder = Path(tmp)
        names = stage_feeds(folder / "feeds")
        server = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.server", str(folder / "feeds")]
            + ["--hosts", str(HOSTS)]
            + ([] if validators else ["--no-validators"]),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            hosts = json.loads(server.stdout.readline())
            feeds = []
            for n, name in enumerate(names):
                feed = {"name": Path(name).stem, "url": f"http://{hosts[n % len(hosts)]}/{name}"}
                lang = feed_language(folder / "feeds" / name) if declared else None
                feeds.append(feed | ({"lang": lang} if lang else {}))
            config = write_config(folder, feeds, schedule={"poll_interval_minutes": POLL_MINUTES})
            declared_langs = sum(1 for feed in feeds if "lang" in feed)
            return run_bot(config, cycles, interval) | {
                "feeds": len(feeds),
                "feeds_with_lang": declared_langs,
            }
        finally:
            assert server.stdin is not None
            server.stdin.close()
            server.wait(10)


def run_bot(config: Path, cycles: int, interval: float) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED)}
    tjwatch = Path(sys.executable).parent / "tjwatch"
    started = time.monotonic()
    bot = subprocess.Popen(
        [str(tjwatch), "--config", str(config), "run", "--cycles", str(cycles)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=config.parent,
    )
    done: list[tuple[float, str]] = []  # (seconds since start, the cycle's log line)
    errors: Counter[str] = Counter()

    def read_log() -> None:
        assert bot.stderr is not None
        for line in bot.stderr:
            if "poll cycle:" in line:
                done.append((time.monotonic() - started, line.split("poll cycle:", 1)[1].strip()))
            elif " ERROR " in line or "Traceback" in line:
                errors[line.strip()[:200]] += 1

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    peaks = Peaks()
    while bot.poll() is None:
        peaks.add(sample(bot.pid), len(done))
        time.sleep(interval)
    reader.join(5)
    if bot.returncode != 0 or errors:
        raise SystemExit(f"tjwatch run failed ({bot.returncode}): {dict(errors)}")
    mb = 1024
    return {
        "peak_pss_mb": round(peaks.pss_kb / mb, 1),
        "peak_rss_mb": round(peaks.rss_kb / mb, 1),
        "pss_at_peak_mb": {k: round(v / mb, 1) for k, v in peaks.at_peak.items()},
        "pss_own_peak_mb": {k: round(v / mb, 1) for k, v in peaks.own.items()},
        "cycles": [
            {"cycle": n + 1, "peak_pss_mb": round(kb / mb, 1), "at_s": round(at, 1), "log": line}
            for n, (kb, (at, line)) in enumerate(zip(peaks.cycles, done, strict=False))
        ],
        "samples": peaks.samples,
        "seconds": round(time.monotonic() - started, 1),
    }


def table(r: dict[str, Any]) -> str:
    lines = [
        f"tjwatch run, console mode: {r['feeds']} feeds ({r['feeds_with_lang']} with `lang`), "
        f"{len(r['cycles'])} cycles, "
        f"{r['seconds']} s, {r['samples']} samples",
        f"peak PSS of the process tree  {r['peak_pss_mb']} MB  (target ≤ 150 MB; "
        f"RSS {r['peak_rss_mb']} MB)",
        "process               PSS at the peak   own peak",
    ]
    for name, own in r["pss_own_peak_mb"].items():
        at = r["pss_at_peak_mb"].get(name, "-")
        lines.append(f"  {name:<20}{at!s:>10} MB   {own:>8} MB")
    for c in r["cycles"]:
        lines.append(f"cycle {c['cycle']}: peak PSS {c['peak_pss_mb']} MB  ({c['log']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.footprint", description=__doc__)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between samples")
    parser.add_argument("--validators", action="store_true", help="let later cycles be 304s")
    parser.add_argument(
        "--undeclared", action="store_true", help="feeds without `lang` in the config"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")
    args = parser.parse_args(argv)
    results = measure(args.cycles, args.interval, args.validators, not args.undeclared)
    print(json.dumps(results, ensure_ascii=False) if args.json else table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
