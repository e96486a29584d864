"""A real HTTP server on 127.0.0.1 standing in for Slack's endpoints, recording what arrives.

Routes:
  POST /services/<T>/<B>/<X>   an incoming webhook: answers 200 ``ok``
  POST /commands/<...>         a slash command's ``response_url``: answers 200 ``ok``
  POST /api/chat.postMessage   the Web API: answers ``{"ok": true, "ts": ..., "message": {...}}``;
                               with ``thread_ts`` the message goes in that thread, unless its
                               parent was deleted (``delete``) and had no replies: then, as
                               Slack does, it is posted at the channel's root and the answer's
                               ``message`` has no ``thread_ts`` (slack-go/slack#1571,
                               langchain-ai/open-swe#2753)
  POST /api/<method>           any other Web API method: ``{"ok": true}``
``script(status, body, headers)`` queues canned answers that are used (in order) before the
normal ones, e.g. a 429 with ``Retry-After``. Scripted answers are recorded too, with
``accepted=False``, so tests can tell what Slack would have shown from what it refused.

slack_sdk is pointed at it by URL: ``AsyncWebhookClient(receiver.webhook_url)`` or
``AsyncWebClient(token, base_url=receiver.api_url)``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float
    accepted: bool
    answer: str = ""
    """The body the receiver answered with."""

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.body.get("blocks", [])
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    @property
    def ts(self) -> str | None:
        """The ``ts`` Slack gave the posted message (``chat.postMessage`` only)."""
        ts = self._answered().get("ts")
        return str(ts) if ts else None

    @property
    def thread(self) -> str | None:
        """The thread the message was posted in; None at the channel's root."""
        message = self._answered().get("message") or {}
        thread = message.get("thread_ts")
        return str(thread) if thread else None

    def _answered(self) -> dict[str, Any]:
        return json.loads(self.answer) if self.answer.startswith("{") else {}


@dataclass
class _Posted:
    replies: int = 0
    deleted: bool = False


@dataclass
class _Canned:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


class SlackReceiver:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[Received] = []
        self._script: deque[_Canned] = deque()
        self._lock = threading.Lock()
        self._ts = 0
        self._posted: dict[str, _Posted] = {}
        receiver = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                receiver._answer(self, raw)

        self._server = ThreadingHTTPServer((host, 0), _Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def webhook_url(self) -> str:
        return f"{self.base}/services/T000/B000/XXXXSECRETXXXX"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str = "1") -> str:
        return f"{self.base}/commands/T000/{name}/RESPONSE"

    def script(self, status: int, body: str = "", headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self._script.append(_Canned(status, body, headers or {}))

    def rate_limit(self, retry_after: int = 1, times: int = 1) -> None:
        for _ in range(times):
            self.script(429, "rate_limited", {"Retry-After": str(retry_after)})

    def delete(self, ts: str) -> None:
        """Someone deletes the message ``ts`` in Slack."""
        with self._lock:
            self._posted[ts].deleted = True

    def accepted(self, prefix: str = "/") -> list[Received]:
        return [r for r in self.requests if r.accepted and r.path.startswith(prefix)]

    def wait_for(self, count: int, prefix: str = "/", timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.accepted(prefix)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        return self.accepted(prefix)

    def _answer(self, handler: BaseHTTPRequestHandler, raw: str) -> None:
        path = handler.path.split("?", 1)[0]
        kind = handler.headers.get("Content-Type", "")
        if "json" in kind:
            body: dict[str, Any] = json.loads(raw or "{}")
        else:
            body = {k: v[0] for k, v in parse_qs(raw).items()}
        with self._lock:
            canned = self._script.popleft() if self._script else None
            if canned is None:
                canned = self._normal(path, body)
            self.requests.append(
                Received(
                    path,
                    dict(handler.headers.items()),
                    body,
                    time.monotonic(),
                    canned.status == 200 and '"ok": false' not in canned.body,
                    canned.body,
                )
            )
        data = canned.body.encode("utf-8")
        handler.send_response(canned.status)
        is_json = canned.body.startswith("{")
        handler.send_header("Content-Type", "application/json" if is_json else "text/plain")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in canned.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _normal(self, path: str, body: dict[str, Any]) -> _Canned:
        if path.startswith("/api/"):
            self._ts += 1
            answer: dict[str, Any] = {"ok": True}
            if path.endswith("chat.postMessage"):
                ts = f"1700000000.{self._ts:06d}"
                message: dict[str, Any] = {
                    "type": "message",
                    "text": body.get("text", ""),
                    "ts": ts,
                }
                parent = self._posted.get(str(body.get("thread_ts")))
                if parent is not None and (parent.replies or not parent.deleted):
                    parent.replies += 1
                    message["thread_ts"] = str(body["thread_ts"])
                self._posted[ts] = _Posted()
                answer.update(channel=body.get("channel"), ts=ts, message=message)
            return _Canned(200, json.dumps(answer))
        return _Canned(200, "ok")

    def __enter__(self) -> SlackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
