"""A loopback stand-in for an OpenAI-compatible endpoint: POST /v1/chat/completions.

``mode`` scripts the answer: "ok" (a chat completion whose content is ``answer``), "slow"
(answers only after ``stop()`` or 30 s, for timeouts), "error" (HTTP 500), "garbage" (200 with a
body that is not a completion). Requests are kept (path, headers, JSON body) for assertions.
"""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LlmServer:
    def __init__(self, answer: str = "Leaders of Russia and Tajikistan met in Moscow.") -> None:
        self.answer = answer
        self.mode = "ok"
        self.requests: list[dict[str, Any]] = []
        self._release = threading.Event()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": body}
                )
                if self.path != "/v1/chat/completions":
                    return self._send(404, b'{"error": "not found"}')
                if server.mode == "slow":
                    server._release.wait(30)
                    return self._send(200, server.completion())
                if server.mode == "error":
                    return self._send(500, b'{"error": {"message": "model crashed"}}')
                if server.mode == "garbage":
                    return self._send(200, b'{"object": "list", "data": []}')
                return self._send(200, server.completion())

            def _send(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (timeout test)
                    self.wfile.write(payload)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def completion(self) -> bytes:
        return json.dumps(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": "test",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": self.answer},
                    }
                ],
            }
        ).encode()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> LlmServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
