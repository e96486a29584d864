"""Peak memory of the measured process and every process it started (the parse workers too).

A sampler process (``python -m benchmarks.memory ROOT``, started by ``PeakRss``) reads, every
``interval`` seconds, the resident set (VmRSS in ``/proc/PID/status``) of ROOT and all its
descendants, except itself and the pids it is told on stdin to leave out (the benchmark's own
feed server), and keeps the largest sum seen; when its stdin closes it prints the peaks as JSON.
A forkserver pool's workers are grandchildren, which ``RUSAGE_CHILDREN`` would not report until
they exit, and then only the largest one. The sum of RSS counts every page the workers share
with the fork server (modules, the language model) once per process; the sum of PSS (``Pss`` in
``/proc/PID/smaps_rollup``: each shared page divided among its sharers) is what the box pays,
and is kept beside it.

The sampler is a process of its own, not a thread, so that it neither competes for the measured
process's GIL nor counts in its CPU time (a thread here cost the first cycle 3-5 s of both). It
still shares the box's two cores with a cycle that keeps both busy, so it reads little: RSS every
interval (``status``, ~0.1 ms a process), PSS only when the RSS sum has grown past its level at the
last PSS reading, or every ``PSS_EVERY_S``. ``smaps_rollup`` walks every mapping of the process
(2-5 ms each for the bot and its workers); read every 0.25 s it took a tenth of a core, ~5 % of the
cycle's wall time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

PROC = Path("/proc")
# PSS is read again once the RSS sum exceeds its level at the last reading by this factor (the
# two move together: what separates them, pages shared with the fork server, stays put), and at
# least this often.
PSS_STEP = 1.005
PSS_EVERY_S = 4.0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in (PROC / str(pid) / "task").iterdir():
            found.extend(int(c) for c in (task / "children").read_text().split())
    except OSError:
        pass
    return found


def _descendants(root: int, exclude: frozenset[int]) -> list[int]:
    pids, stack = [], [root]
    while stack:
        pid = stack.pop()
        if pid in exclude:
            continue
        pids.append(pid)
        stack.extend(_children(pid))
    return pids


def _kb(pid: int, name: str, key: str) -> int:
    try:
        for line in (PROC / str(pid) / name).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_mb(pids: list[int]) -> float:
    return sum(_kb(pid, "status", "VmRSS:") for pid in pids) / 1024


def resident_mb(pid: int) -> tuple[float, float]:
    """One process's resident set and the anonymous part of it (``RssAnon``: its heaps and
    stacks, none of the pages of libraries and files it shares with other processes), in MB.

    Unlike a tree's PSS, neither moves when another process maps the same files."""
    return _kb(pid, "status", "VmRSS:") / 1024, _kb(pid, "status", "RssAnon:") / 1024


def pss_mb(pids: list[int]) -> float:
    return sum(_kb(pid, "smaps_rollup", "Pss:") for pid in pids) / 1024


def _cpu_s(stat: Path) -> float:
    """User + system CPU seconds in a ``/proc/.../stat`` file (0 for a process that is gone)."""
    try:
        # The command name may hold spaces and parentheses: the fields follow the last ")".
        fields = stat.read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    except (OSError, IndexError, ValueError):
        return 0.0
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_cpu_s(root: int, exclude: frozenset[int] = frozenset()) -> float:
    """CPU seconds (user + system) used so far by ``root`` and its live descendants."""
    return sum(_cpu_s(PROC / str(pid) / "stat") for pid in _descendants(root, exclude))


def thread_cpu_s() -> dict[str, float]:
    """CPU seconds used so far by each live thread of this process, by thread name (the
    scorer's thread, the database thread, the event loop's)."""
    return {
        thread.name: _cpu_s(PROC / "self" / "task" / str(thread.native_id) / "stat")
        for thread in threading.enumerate()
    }


class PeakRss:
    """The measuring side: starts the sampler, tells it what to leave out, reads its peaks."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.exclude: set[int] = set()
        self.peak_mb = 0.0
        self.peak_pss_mb = 0.0
        self._sampler: subprocess.Popen[str] | None = None

    def start(self) -> PeakRss:
        self._sampler = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.memory", str(os.getpid()), str(self.interval)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.exclude.add(self._sampler.pid)
        return self

    def leave_out(self, pid: int) -> None:
        """Count neither the memory nor the CPU of ``pid`` and its children."""
        self.exclude.add(pid)
        if self._sampler is not None and self._sampler.stdin is not None:
            self._sampler.stdin.write(f"{pid}\n")
            self._sampler.stdin.flush()

    def cpu_s(self) -> float:
        return tree_cpu_s(os.getpid(), frozenset(self.exclude))

    def stop(self) -> float:
        assert self._sampler is not None
        out, _ = self._sampler.communicate()
        peaks = json.loads(out)
        self.peak_mb, self.peak_pss_mb = peaks["rss_mb"], peaks["pss_mb"]
        return self.peak_mb


def _sample(root: int, interval: float) -> None:
    exclude = {os.getpid()}
    peak_rss = peak_pss = 0.0
    pss_at_rss, pss_read_at = 0.0, float("-inf")  # the RSS sum and the time at the last PSS read
    done = threading.Event()

    def read_stdin() -> None:
        for line in sys.stdin:
            exclude.add(int(line))
        done.set()

    threading.Thread(target=read_stdin, daemon=True).start()
    while True:
        stopping = done.wait(interval)
        pids = _descendants(root, frozenset(exclude))
        rss = rss_mb(pids)
        peak_rss = max(peak_rss, rss)
        now = time.monotonic()
        if rss > pss_at_rss * PSS_STEP or now - pss_read_at >= PSS_EVERY_S:
            peak_pss = max(peak_pss, pss_mb(pids))
            pss_at_rss, pss_read_at = rss, now
        if stopping:
            break
    print(json.dumps({"rss_mb": round(peak_rss, 1), "pss_mb": round(peak_pss, 1)}))


if __name__ == "__main__":
    _sample(int(sys.argv[1]), float(sys.argv[2]))
