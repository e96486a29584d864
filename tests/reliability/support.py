"""Helpers for the fault suite: run tjwatch as a real child process and measure its peak RSS.

``run_measured`` starts ``tjwatch`` under a tiny Python parent that waits for it and prints
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``: the largest resident set any process of the
tree reached (tjwatch itself or one of its parser workers), measured by the kernel, not sampled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TJWATCH = str(Path(sys.executable).with_name("tjwatch"))
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "print(f'PEAK_RSS_KB {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', "
    "file=sys.stderr)\n"
    "sys.exit(code)\n"
)
SECRET_ENV = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "TELEGRAM_WEBHOOK_URL",
    "SLACK_WEBHOOK_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_CHANNEL",
    "SLACK_SIGNING_SECRET",
    "TJWATCH_ADMIN_IDS",
    "TJWATCH_CONFIG",
    "TJWATCH_DB",
    "METRICS_PORT",
)


def child_env(**extra: str) -> dict[str, str]:
    """The test process's environment without tjwatch settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    env.update(extra)
    return env


@dataclass(frozen=True)
class Measured:
    code: int
    out: str
    err: str
    peak_rss_mb: float


def run_measured(
    args: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 120
) -> Measured:
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, TJWATCH, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = proc.stderr.splitlines()
    peak = [int(line.split()[1]) for line in lines if line.startswith("PEAK_RSS_KB ")]
    err = "\n".join(line for line in lines if not line.startswith("PEAK_RSS_KB "))
    return Measured(proc.returncode, proc.stdout, err, peak[-1] / 1024 if peak else float("nan"))


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def file_bytes(db: Path) -> bytes:
    """The database and its WAL, as bytes (to look for strings that must never be stored)."""
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


class BotProcess:
    """``tjwatch run`` as a child process (stdout and stderr to ``log``) that a test can stop
    with SIGINT or kill with SIGKILL; ``program`` starts it another way than the ``tjwatch``
    script (e.g. ``tests/support/tjwatch_at.py`` on another day)."""

    def __init__(
        self,
        args: list[str],
        env: dict[str, str],
        log: Path,
        *,
        program: list[str] | None = None,
    ) -> None:
        self.args = [*(program or [TJWATCH]), *args]
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            # Its own process group: the parser pool's fork server goes with it (see kill9).
            self.proc = subprocess.Popen(
                self.args,
                env=self.env,
                stdout=out,
                stderr=out,
                cwd=self.log.parent,
                start_new_session=True,
            )

    def peak_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) of the running process and its children (the
        parser pool), read from /proc just before it is stopped or killed."""
        assert self.proc is not None and self.proc.poll() is None, self.log.read_text()[-3000:]
        return max(_vm_hwm_kb(pid) for pid in _tree(self.proc.pid)) / 1024

    def kill9(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, self.log.read_text()[-3000:]
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(10) == -signal.SIGKILL
        # What a supervisor (systemd's cgroup, a container stop) does next: the orphaned fork
        # server and resource tracker of the killed bot go too, instead of outliving the test.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def stop(self) -> int | None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc is not None else None


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            pids += _tree(int(child))
    return pids


def _vm_hwm_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0  # gone meanwhile
    return next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0
    )
