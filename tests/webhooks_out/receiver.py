"""A webhook consumer over real sockets: verifies each message with the `standardwebhooks` package
(the reference implementation, not ours) and answers as scripted.

``answers`` is the queue of statuses for the next requests (then ``default``); ``hold`` keeps each
request open until it is set (a sender killed mid-flight). :attr:`received` keeps every request:
its three headers, its parsed body (None if it did not verify) and the package's error if any.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import standardwebhooks

__all__ = ["Receiver", "Received"]


@dataclass
class Received:
    webhook_id: str | None
    timestamp: str | None
    signature: str | None
    body: bytes
    message: Any  # the verified JSON; None when verification failed
    error: str | None
    answered: int


class Receiver:
    """Thread-served consumer endpoint; use as a context manager. ``url`` is its address."""

    def __init__(self, secret: str, *, default: int = 204) -> None:
        self.verifier = standardwebhooks.Webhook(secret)
        self.default = default
        self.answers: deque[int] = deque()
        self.received: list[Received] = []
        self.arrived = threading.Event()
        self.hold = threading.Event()
        self.hold.set()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/hooks/hub?token=path-secret"

    @property
    def verified(self) -> list[Any]:
        return [r.message for r in self.received if r.message is not None]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.hold.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _take(self, headers: Any, body: bytes) -> int:
        try:
            message, error = self.verifier.verify(body, dict(headers)), None
        except standardwebhooks.webhooks.WebhookVerificationError as exc:
            message, error = None, str(exc)
        status = self.answers.popleft() if self.answers else self.default
        status = status if message is not None else 401
        self.received.append(Received(headers.get("webhook-id"), headers.get("webhook-timestamp"),
                                      headers.get("webhook-signature"), body, message, error, status))
        self.arrived.set()
        return status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — http.server's name
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                status = receiver._take(self.headers, body)
                receiver.hold.wait(30)
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(json.dumps({}).encode())

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
