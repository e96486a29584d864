"""``/metrics``: scraped over loopback, the counters move with polls and digests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.delivery.channel import Blocked, Failed
from bot.delivery.console_channel import ConsoleChannel
from bot.jobs import poll
from bot.metrics import Metrics, MetricsServer, start_metrics_server
from bot.services import Services
from storage import CONSOLE_CHAT_ID
from tests.ops.conftest import MakeServices
from tests.support.feed_server import FeedServer

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(server: MetricsServer) -> Samples:
    response = httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def metrics_server() -> Iterator[list[MetricsServer]]:
    started: list[MetricsServer] = []
    yield started
    for server in started:
        server.close()


def start(services: Services, started: list[MetricsServer]) -> MetricsServer:
    server = start_metrics_server(
        services.metrics, services.settings.secrets.metrics_port, host="127.0.0.1"
    )
    assert server is not None
    started.append(server)
    return server


@pytest.mark.asyncio
async def test_counters_move_after_a_poll_and_a_digest(
    make_services: MakeServices,
    feed_server: FeedServer,
    metrics_server: list[MetricsServer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    services = make_services(
        {"Topic RU": feed_server.url("topic-ru-rss.xml"), "Gone": feed_server.url("missing.xml")},
        env={"METRICS_PORT": "0"},  # 0: any free port
    )
    server = start(services, metrics_server)
    before = scrape(server)
    assert value(before, "tjwatch_polls_total") == 0
    assert value(before, "tjwatch_cycle_duration_seconds_count") == 0

    report = await poll(services, force=True)
    assert report.matched and len(report.failed) == 1
    after = scrape(server)
    assert value(after, "tjwatch_polls_total") == 1
    assert value(after, "tjwatch_fetch_errors_total", feed="Gone") == 1
    assert value(after, "tjwatch_fetch_errors_total", feed="Topic RU") == 0
    assert value(after, "tjwatch_feeds_polled_total", status="ok") == 1
    assert value(after, "tjwatch_items_new_total") == report.new_items
    assert value(after, "tjwatch_items_matched_total") == len(report.matched)
    assert value(after, "tjwatch_cycle_duration_seconds_count") == 1
    assert value(after, "tjwatch_cycle_duration_seconds_sum") == pytest.approx(report.seconds)
    assert value(after, "tjwatch_last_cycle_finished_timestamp_seconds") > 1.7e9

    chat = await services.store.run(
        services.store.chats.ensure,
        CONSOLE_CHAT_ID,
        channel="console",
        kind="console",
        now=services.clock.now(),
        defaults={"subscribed": True, "title": "console"},
    )
    sent = await services.outbox.deliver(ConsoleChannel(tz_name="UTC"), chat)
    assert sent.outcome is not None
    assert "Рахмон" in capsys.readouterr().out
    await poll(services, force=True)  # second poll: 304, nothing new
    later = scrape(server)
    assert value(later, "tjwatch_digests_sent_total", channel="console") == 1
    assert value(later, "tjwatch_polls_total") == 2
    assert value(later, "tjwatch_feeds_polled_total", status="not modified") == 1
    assert value(later, "tjwatch_fetch_errors_total", feed="Gone") == 2
    assert value(later, "tjwatch_items_new_total") == report.new_items


@pytest.mark.asyncio
async def test_no_metrics_port_no_server(
    make_services: MakeServices, feed_server: FeedServer
) -> None:
    services = make_services({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    assert start_metrics_server(services.metrics, services.settings.secrets.metrics_port) is None


@pytest.mark.asyncio
async def test_each_services_has_its_own_registry(
    make_services: MakeServices, feed_server: FeedServer, metrics_server: list[MetricsServer]
) -> None:
    feeds = {"Topic RU": feed_server.url("topic-ru-rss.xml")}
    one = make_services(feeds, env={"METRICS_PORT": "0"})
    two = make_services(feeds, env={"METRICS_PORT": "0"})
    await poll(one, force=True)
    assert value(scrape(start(one, metrics_server)), "tjwatch_polls_total") == 1
    assert value(scrape(start(two, metrics_server)), "tjwatch_polls_total") == 0


def test_failed_sends_are_counted_per_channel_and_outcome() -> None:
    metrics = Metrics()
    metrics.observe_send("telegram", Blocked("bot was blocked by the user"))
    metrics.observe_send("telegram", Failed("Bad Request"))
    metrics.observe_send("telegram", Failed("Bad Request"))
    get = metrics.registry.get_sample_value
    assert get("tjwatch_send_failures_total", {"channel": "telegram", "outcome": "blocked"}) == 1
    assert get("tjwatch_send_failures_total", {"channel": "telegram", "outcome": "failed"}) == 2
    assert get("tjwatch_digests_sent_total", {"channel": "telegram"}) is None


def test_console_service_serves_metrics_while_it_runs(
    config_for, feed_server: FeedServer, tmp_path: Path
) -> None:
    """``tjwatch run`` with METRICS_PORT: /metrics answers during the service and shows its poll."""
    config = config_for({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TJWATCH_"))}
    service = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        cwd=tmp_path,
        env={**env, "METRICS_PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        polls = 0.0
        deadline = time.monotonic() + 60
        while polls < 1 and time.monotonic() < deadline and service.poll() is None:
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            except httpx.TransportError:
                text = ""
            samples = {
                s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples
            }
            polls = samples.get("tjwatch_polls_total", 0.0)
            time.sleep(0.2)
        assert polls == 1, service.stderr.read() if service.poll() is not None else "no poll yet"
        assert samples["tjwatch_items_matched_total"] > 0
    finally:
        service.send_signal(signal.SIGTERM)
        out, err = service.communicate(timeout=30)
    assert service.returncode == 0, err
    assert "Рахмон" in out  # the digest was printed
