"""A real local HTTP server that serves paged JSON records and misbehaves on cue.

Tests talk to it over real sockets, so retries, timeouts and dropped connections are the real thing.
Endpoints:

* ``GET /records`` — Greenhouse v3 style: a bare JSON array, ``Link: <…?cursor=…>; rel="next"``.
  ``per_page`` and filters go on the first request only; a ``cursor`` with any other parameter is
  answered with 422, as Greenhouse does. A record the vendor deleted can stay listed with a flag
  (e.g. ``"deleted": true``): records are served as given.
* ``GET /deleted`` — a tombstones endpoint: :attr:`FaultServer.tombstones` paged like ``/records``.
* ``GET /cursor`` — Feishu style: ``{"code": 0, "data": {"items": [...], "has_more": …, "page_token": …}}``
  with ``page_size`` and ``page_token`` parameters.
* ``POST /token`` (or any method) — issues ``tok-1``, ``tok-2``… with ``expires_in``.
* any other path — ``{"ok": true, "path": …}``.

With ``require_token=True`` every endpoint except ``/token`` wants ``Authorization: Bearer`` with an
issued token, or ``?access_token=`` (DingTalk style), and answers 401 otherwise.

Faults are queued per path with :meth:`FaultServer.inject` and each one is used up by one request::

    server.inject("/records", Fault.http(429, retry_after="2"), Fault.dropped())

Every request is logged (:attr:`FaultServer.requests`) so tests can assert what the client sent.

Example:
    >>> with FaultServer(records=[{"id": i} for i in range(5)], page_size=2) as server:
    ...     url = server.url("/records")
"""

from __future__ import annotations

import base64
import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["Fault", "FaultServer", "RecordedRequest"]


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour, used up by one request. Build with the classmethods.

    Example:
        >>> Fault.http(503, retry_after="Wed, 21 Oct 2015 07:28:00 GMT").status
        503
    """

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0
    drop: bool = False
    malformed: bool = False
    repeat: bool = False

    @classmethod
    def http(cls, status: int, *, retry_after: str | None = None, headers: dict[str, str] | None = None,
             body: bytes | str = b"") -> Fault:
        """Answer with this status (and Retry-After, headers, body) instead of the page."""
        all_headers = dict(headers or {})
        if retry_after is not None:
            all_headers["Retry-After"] = retry_after
        return cls(status=status, headers=all_headers, body=body.encode() if isinstance(body, str) else body)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Wait this long before answering normally (longer than the client timeout = a timeout)."""
        return cls(delay=seconds)

    @classmethod
    def dropped(cls) -> Fault:
        """Close the connection without sending any response."""
        return cls(drop=True)

    @classmethod
    def malformed_json(cls) -> Fault:
        """Answer 200 with a body that is not valid JSON."""
        return cls(malformed=True)

    @classmethod
    def repeating_page(cls) -> Fault:
        """Serve the page with a next link / page token pointing at this very page (a loop)."""
        return cls(repeat=True)


@dataclass(frozen=True)
class RecordedRequest:
    """What the client sent: method, path, parsed query, lower-cased headers and raw body."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class FaultServer:
    """A threaded HTTP server on 127.0.0.1 with an ephemeral port; see the module docstring.

    Args:
        records: the records served by ``/records`` and ``/cursor``.
        tombstones: the records served by ``/deleted`` (deleted records' ids).
        page_size: the default page size.
        require_token: demand a token issued by ``/token`` on every other endpoint.
        token_ttl: ``expires_in`` of issued tokens.

    Example:
        >>> server = FaultServer(records=[{"id": 1}]).start()
        >>> server.stop()
    """

    def __init__(self, records: list[dict[str, Any]] | None = None, *, page_size: int = 2,
                 require_token: bool = False, token_ttl: int = 3600,
                 tombstones: list[dict[str, Any]] | None = None) -> None:
        self.records = list(records or [])
        self.tombstones = list(tombstones or [])
        self.page_size, self.require_token, self.token_ttl = page_size, require_token, token_ttl
        self.requests: list[RecordedRequest] = []
        self.tokens: list[str] = []
        self._issued = 0
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="fault-server", daemon=True)

    # -- lifecycle

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- scripting and inspection

    def inject(self, path: str, *faults: Fault) -> None:
        """Queue faults for requests to ``path``; each is used by one request, in order."""
        with self._lock:
            self._faults[path].extend(faults)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def revoke_tokens(self) -> None:
        """Make every issued token invalid, as if they had expired on the vendor's side."""
        with self._lock:
            self.tokens.clear()

    # -- used by the handler

    def _record(self, request: RecordedRequest) -> Fault | None:
        with self._lock:
            self.requests.append(request)
            queue = self._faults.get(request.path)
            return queue.popleft() if queue else None

    def _issue_token(self) -> str:
        with self._lock:
            self._issued += 1
            token = f"tok-{self._issued}"
            self.tokens.append(token)
            return token

    def _authorized(self, request: RecordedRequest) -> bool:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        query_token = request.query.get("access_token", [""])[0]
        with self._lock:
            return bool({bearer, query_token} & set(self.tokens))


def _cursor(offset: int, per_page: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([offset, per_page]).encode()).decode()


def _uncursor(cursor: str) -> tuple[int, int]:
    offset, per_page = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    return int(offset), int(per_page)


def _handler_for(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes; avoid a 40 ms delayed-ACK stall

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            self._handle()

        do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

        def _handle(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = RecordedRequest(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            fault = server._record(request) or Fault()
            if fault.delay and server._stopping.wait(fault.delay):
                return
            if fault.drop:
                self.close_connection = True
                return
            if fault.status is not None:
                self._send(fault.status, fault.body, fault.headers)
            elif fault.malformed:
                self._send(200, b'{"items": [1, 2', {})
            elif request.path == "/token":
                token = server._issue_token()
                self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": server.token_ttl})
            elif server.require_token and not server._authorized(request):
                self._json(401, {"message": "invalid or expired token"})
            elif request.path == "/records":
                self._link_page(request, server.records, fault.repeat)
            elif request.path == "/deleted":
                self._link_page(request, server.tombstones, fault.repeat)
            elif request.path == "/cursor":
                self._cursor_page(request, fault.repeat)
            else:
                self._json(200, {"ok": True, "path": request.path})

        def _link_page(self, request: RecordedRequest, listed: list[Any], repeat: bool) -> None:
            if "cursor" in request.query:
                if len(request.query) > 1:
                    self._json(422, {"message": "cursor must be the only query parameter"})
                    return
                offset, per_page = _uncursor(request.query["cursor"][0])
            else:
                offset, per_page = 0, int(request.query.get("per_page", [server.page_size])[0])
            page = listed[offset : offset + per_page]
            headers = {}
            if repeat:
                headers["Link"] = f'<{server.url(self.path)}>; rel="next"'
            elif offset + per_page < len(listed):
                next_url = f'{server.url(request.path)}?cursor={_cursor(offset + per_page, per_page)}'
                headers["Link"] = f'<{next_url}>; rel="next"'
            self._json(200, page, headers)

        def _cursor_page(self, request: RecordedRequest, repeat: bool) -> None:
            token = request.query.get("page_token", [""])[0]
            offset = _uncursor(token)[0] if token else 0
            size = int(request.query.get("page_size", [server.page_size])[0])
            items = server.records[offset : offset + size]
            has_more = repeat or offset + size < len(server.records)
            next_token = token if repeat else (_cursor(offset + size, size) if has_more else "")
            self._json(200, {"code": 0, "msg": "ok",
                             "data": {"items": items, "has_more": has_more, "page_token": next_token}})

        def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                self.close_connection = True

    return Handler
