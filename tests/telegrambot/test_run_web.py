"""``tjwatch run`` in Telegram mode (against the emulator) serves the web archive on WEB_PORT,
beside the bot, behind WEB_TOKEN."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.support.feed_server import FeedServer
from tests.support.fresh_feeds import write_fresh_feeds
from tests.support.telegram_emulator import TelegramEmulator
from tests.support.web_archive import free_port

TOKEN = "telegram-mode-web-token"


def test_telegram_service_serves_the_archive(
    config_for,
    feed_root: Path,
    feed_server: FeedServer,
    tmp_path: Path,
    telegram_emulator: TelegramEmulator,
    bot_token: str,
) -> None:
    write_fresh_feeds(feed_root, datetime.now(UTC))  # the real reports, dated this week
    config = config_for({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TJWATCH_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": bot_token,
        "TELEGRAM_API_BASE_URL": telegram_emulator.api_root,
        "WEB_PORT": str(port),
        "WEB_TOKEN": TOKEN,
    }
    service = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "--log-format", "json", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    health = feed = None
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and service.poll() is None:
            try:
                health = httpx.get(f"{base}/health", params={"token": TOKEN}, timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            if health.status_code == 200:
                break
            time.sleep(0.2)
        assert httpx.get(f"{base}/feed.json").status_code == 401
        feed = httpx.get(f"{base}/feed.json", headers={"Authorization": f"Bearer {TOKEN}"})
    finally:
        service.send_signal(signal.SIGTERM)
        out, err = service.communicate(timeout=60)
    assert health is not None and health.json()["healthy"], err[-3000:]
    assert feed is not None and feed.status_code == 200
    titles = [item["title"] for item in feed.json()["items"]]
    assert "Путин: в Душанбе в 2027 году откроют Русский театр и центр для одаренных детей" in (
        titles
    )
    assert TOKEN not in err and TOKEN not in out and bot_token not in err
