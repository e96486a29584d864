"""``tjwatch run`` in Telegram mode (against the emulator) serves /metrics on METRICS_PORT."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.feed_server import FeedServer
from tests.support.telegram_emulator import TelegramEmulator


def test_telegram_service_serves_metrics_and_records_its_poll(
    config_for,
    feed_server: FeedServer,
    tmp_path: Path,
    telegram_emulator: TelegramEmulator,
    bot_token: str,
) -> None:
    config = config_for({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TJWATCH_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": bot_token,
        "TELEGRAM_API_BASE_URL": telegram_emulator.api_root,
        "METRICS_PORT": str(port),
    }
    service = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "--log-format", "json", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    polls = 0.0
    try:
        deadline = time.monotonic() + 90
        while polls < 1 and time.monotonic() < deadline and service.poll() is None:
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            except httpx.TransportError:
                text = ""
            families = text_string_to_metric_families(text)
            polls = {s.name: s.value for f in families for s in f.samples}.get(
                "tjwatch_polls_total", 0.0
            )
            time.sleep(0.2)
    finally:
        service.send_signal(signal.SIGTERM)
        out, err = service.communicate(timeout=60)
    assert polls >= 1, err[-3000:]
    assert bot_token not in err and bot_token not in out
    health = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "health"],
        cwd=tmp_path,
        env={k: v for k, v in env.items() if k != "METRICS_PORT"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert health.returncode == 0, health.stdout + health.stderr
