"""Prometheus metrics: counters the poll cycle and the outbox move, served on ``/metrics`` when
``METRICS_PORT`` is set.

Each ``Services`` holds its own ``Metrics`` with a private ``CollectorRegistry`` (no module-level
globals), so two services in one process (tests) never share counts. The poll job records each
cycle (``observe_cycle``), the outbox each send; both runners call ``start_metrics_server`` once
and ``close()`` the returned server on shutdown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from threading import Thread
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from bot.delivery.channel import SendOutcome, Sent
from bot.ingest.cycle import CycleReport, PollStatus

log = logging.getLogger(__name__)

_CYCLE_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.polls = Counter("tjwatch_polls", "Poll cycles finished", registry=r)
        self.feeds_polled = Counter(
            "tjwatch_feeds_polled", "Feed polls, by outcome", ["status"], registry=r
        )
        self.fetch_errors = Counter(
            "tjwatch_fetch_errors",
            "Failed feed polls (fetch or parse), per feed",
            ["feed"],
            registry=r,
        )
        self.items_new = Counter("tjwatch_items_new", "New items stored", registry=r)
        self.items_matched = Counter(
            "tjwatch_items_matched", "New items judged relevant", registry=r
        )
        self.digests_sent = Counter(
            "tjwatch_digests_sent", "Digests delivered, per channel", ["channel"], registry=r
        )
        self.send_failures = Counter(
            "tjwatch_send_failures",
            "Digests not delivered, per channel and outcome",
            ["channel", "outcome"],
            registry=r,
        )
        self.cycle_duration = Histogram(
            "tjwatch_cycle_duration_seconds",
            "Duration of a poll cycle",
            buckets=_CYCLE_BUCKETS,
            registry=r,
        )
        self.last_cycle = Gauge(
            "tjwatch_last_cycle_finished_timestamp_seconds",
            "When the last poll cycle finished (Unix time)",
            registry=r,
        )

    def observe_cycle(self, report: CycleReport) -> None:
        self.polls.inc()
        for feed in report.feeds:
            self.feeds_polled.labels(feed.status.value).inc()
            if feed.status is PollStatus.FAILED:
                self.fetch_errors.labels(feed.feed).inc()
        self.items_new.inc(report.new_items)
        self.items_matched.inc(len(report.matched))
        self.cycle_duration.observe(report.seconds)
        self.last_cycle.set_to_current_time()

    def observe_send(self, channel: str, outcome: SendOutcome) -> None:
        if isinstance(outcome, Sent):
            self.digests_sent.labels(channel).inc()
        else:
            self.send_failures.labels(channel, type(outcome).__name__.lower()).inc()


@dataclass
class MetricsServer:
    server: WSGIServer
    thread: Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_metrics_server(
    metrics: Metrics, port: int | None, host: str = "0.0.0.0"
) -> MetricsServer | None:
    """Serve ``metrics`` on ``/metrics`` at ``port`` (``METRICS_PORT``; all interfaces by
    default: the container's port is published by Docker); None when the port is unset."""
    if port is None:
        return None
    server, thread = start_http_server(port, addr=host, registry=metrics.registry)
    running = MetricsServer(server, thread)
    log.info(
        "metrics: serving /metrics on %s:%d",
        host,
        running.port,
        extra={"fields": {"metrics_host": host, "metrics_port": running.port}},
    )
    return running
