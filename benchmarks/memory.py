"""Peak memory of the measured process and every process it started (the parse workers too).

A background thread samples, every ``interval`` seconds, the resident set (VmRSS in
``/proc/PID/status``) of this process and all its descendants, except the ones named in
``exclude`` (the benchmark's own feed server), and keeps the largest sum seen; a forkserver
pool's workers are grandchildren, which ``RUSAGE_CHILDREN`` would not report until they exit,
and then only the largest one. The sum of RSS counts every page the workers share with the fork
server (modules, the language model) once per process; the sum of PSS (``Pss`` in
``/proc/PID/smaps_rollup``: each shared page divided among its sharers) is what the box pays,
and is kept beside it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

PROC = Path("/proc")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the ppid follows the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _kb(pid: int, name: str, key: str) -> int:
    try:
        for line in (PROC / str(pid) / name).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory_mb(root: int, exclude: frozenset[int] = frozenset()) -> tuple[float, float]:
    """(sum of RSS, sum of PSS) of ``root`` and its live descendants, in MB."""
    tree = _children()
    rss, pss, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        if pid in exclude:
            continue
        rss += _kb(pid, "status", "VmRSS:")
        pss += _kb(pid, "smaps_rollup", "Pss:")
        stack.extend(tree.get(pid, ()))
    return rss / 1024, pss / 1024


def tree_cpu_s(root: int, exclude: frozenset[int] = frozenset()) -> float:
    """CPU seconds (user + system) used so far by ``root`` and its live descendants."""
    tree = _children()
    ticks, stack = 0, [root]
    while stack:
        pid = stack.pop()
        if pid in exclude:
            continue
        try:
            fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(tree.get(pid, ()))
    return ticks / os.sysconf("SC_CLK_TCK")


class PeakRss:
    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.exclude: set[int] = set()
        self.peak_mb = 0.0
        self.peak_pss_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="peak-rss")

    def cpu_s(self) -> float:
        return tree_cpu_s(os.getpid(), frozenset(self.exclude))

    def start(self) -> PeakRss:
        self._thread.start()
        return self

    def sample(self) -> float:
        rss, pss = tree_memory_mb(os.getpid(), frozenset(self.exclude))
        self.peak_mb = max(self.peak_mb, rss)
        self.peak_pss_mb = max(self.peak_pss_mb, pss)
        return rss

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self.sample()
        return self.peak_mb
