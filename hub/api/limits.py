"""What one request, one token and one client may ask of the HTTP service (hub.yaml ``service:``).

* :class:`BodyLimit` — pure ASGI middleware (a ``BaseHTTPMiddleware`` would buffer streamed
  responses and break server-sent events): a body over ``max_body_bytes`` is refused with 413 — from
  its ``Content-Length`` before a byte is read, or, sent chunked, as soon as the count passes the
  cap — and a body nested deeper than ``max_json_depth`` with 400 before any parser recurses into it.
  The body is held whole (it is at most the cap) and handed on to the application unchanged.
* :func:`known_parameters_only` — a dependency of every route: a query parameter the endpoint does not
  take, or a NUL character in any parameter, is a 400 instead of being silently ignored or passed
  on to a database that refuses it.
* :class:`TokenBuckets` — requests per minute per key, a token bucket: a token's budget
  (``rate_limit_per_minute``, spent in :func:`hub.api.auth.current_grant`) and, against floods of
  bad tokens, a client address's budget of 401 answers. The buckets live in the process: with
  ``hub serve --workers N`` each worker keeps its own, so a token may get up to N times the rate.

Example:
    >>> buckets = TokenBuckets(per_minute=2)
    >>> buckets.spend("t", now=0.0), buckets.spend("t", now=0.0), buckets.spend("t", now=0.0)
    (0.0, 0.0, 30.0)
    >>> buckets.spend("t", now=30.0)
    0.0
    >>> json_depth(b'{"a": [1, {"b": "[[[["}]}'), json_depth(b'"[["'), json_depth(b"[" * 99)
    (3, 0, 99)
"""

from __future__ import annotations

from array import array
from itertools import accumulate
import threading
import time

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.core.config import ServiceConfig
from hub.core.errors import BadRequestError, PayloadTooLargeError

__all__ = ["VENDOR_QUERY", "BodyLimit", "TokenBuckets", "install_limits", "json_depth", "known_parameters_only",
           "rate_limits_of"]

_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
#: An opening bracket → 1, a closing one → -1 as a signed byte.
_SIGNS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def json_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (0 for a scalar), without parsing it: a
    parser recursing into a hostile body is what the limit prevents.

    Brackets inside strings nest nothing: with the escaped backslashes and quotes removed, every
    other piece between quotes is outside a string. The brackets left become +1 / -1 and their
    running sum is taken in C (``array``, ``accumulate``) — a megabyte costs milliseconds. Brackets
    opened and never closed count as levels.
    """
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside = b"".join(unescaped.split(b'"')[::2])
    return max(0, max(accumulate(array("b", outside.translate(_SIGNS, _NOT_BRACKETS))), default=0))


class BodyLimit:
    """Refuses a request body over ``max_bytes`` (413) or nested deeper than ``max_depth`` (400)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_depth: int) -> None:
        self.app, self.max_bytes, self.max_depth = app, max_bytes, max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = PayloadTooLargeError(f"the body is over {self.max_bytes} bytes")
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(too_large, scope, receive, send)
            return
        body, gone = await self._read(receive)
        if body is None:
            await _refuse(too_large, scope, receive, send)
        elif body.count(b"[") + body.count(b"{") > self.max_depth and json_depth(body) > self.max_depth:
            await _refuse(BadRequestError(f"the body nests deeper than {self.max_depth} levels"), scope, receive, send)
        else:
            await self.app(scope, _replay(gone or {"type": "http.request", "body": body, "more_body": False}, receive),
                           send)

    async def _read(self, receive: Receive) -> tuple[bytes | None, Message | None]:
        """The whole body (None once it passes the cap), or the disconnect that came instead of it."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"", message
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                return None, None
            if not message.get("more_body", False):
                return b"".join(chunks), None


def _replay(first: Message, receive: Receive) -> Receive:
    """A ``receive`` that gives the application what was read ahead as one message, then the real one."""
    pending = [first]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


async def _refuse(error: BadRequestError | PayloadTooLargeError, scope: Scope, receive: Receive, send: Send) -> None:
    await JSONResponse(error.to_dict(), status_code=error.http_status)(scope, receive, send)


#: The OpenAPI extension of a route whose query parameters are not its own but a vendor's (a webhook
#: signed in the URL): the route checks them against what the vendor's connector takes.
VENDOR_QUERY = "x-hub-vendor-query"


def known_parameters_only(request: Request) -> None:
    """400 for a query parameter the endpoint does not take, or a NUL in any parameter (no value is echoed).

    A route marked :data:`VENDOR_QUERY` in its ``openapi_extra`` takes the parameters its vendor sends
    and checks their names itself; the NUL check still applies to it."""
    route = request.scope.get("route")
    vendors = isinstance(route, APIRoute) and bool((route.openapi_extra or {}).get(VENDOR_QUERY))
    if isinstance(route, APIRoute) and not vendors and (unknown := set(request.query_params) - _query_names(route)):
        taken = ", ".join(sorted(_query_names(route))) or "none"
        raise BadRequestError(f"{len(unknown)} unknown query parameter(s); this endpoint takes: {taken}")
    values = [*request.query_params.values(), *request.path_params.values()]
    if any("\x00" in str(value) for value in values):
        raise BadRequestError("a parameter holds a NUL character")


def _query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters ``route`` and its dependencies take (a parameter model: its fields), worked
    out once per route and kept on it."""
    if (known := getattr(route, "_hub_query_names", None)) is None:
        known = route._hub_query_names = _declared_query_names(route)  # type: ignore[attr-defined]
    return known


def _declared_query_names(route: APIRoute) -> frozenset[str]:
    names: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        for param in dependant.query_params:
            model = param.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                names.update(field.alias or name for name, field in model.model_fields.items())
            else:
                names.add(param.alias)
        pending.extend(dependant.dependencies)
    return frozenset(names)


class TokenBuckets:
    """``per_minute`` requests a minute per key, in bursts of up to ``per_minute``.

    Thread-safe: FastAPI runs sync dependencies in a thread pool. Full buckets are forgotten when
    there are many keys, so a flood of addresses does not grow the map without bound.
    """

    _FORGET_ABOVE = 10_000

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, when counted)
        self._lock = threading.Lock()

    def spend(self, key: str, *, now: float | None = None) -> float:
        """Spend one request of ``key``'s budget: 0.0 when it may go on, else the seconds until it may."""
        return self._take(key, time.monotonic() if now is None else now)

    def _take(self, key: str, now: float) -> float:
        with self._lock:
            tokens, then = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > self._FORGET_ABOVE:
                self._forget_full(now)
            return 0.0

    def _forget_full(self, now: float) -> None:
        self._buckets = {key: (tokens, then) for key, (tokens, then) in self._buckets.items()
                         if tokens + (now - then) * self.rate < self.capacity}


class RateLimits:
    """The process's buckets: one per token, one per client address for its 401 answers; and one
    per token that allows a write of its ``last_used_at`` once a minute, so use costs no write per request."""

    def __init__(self, per_minute: int) -> None:
        self.tokens = TokenBuckets(per_minute)
        self.refused_clients = TokenBuckets(per_minute)
        self.use_records = TokenBuckets(1)


def rate_limits_of(request: Request) -> RateLimits:
    return request.app.state.rate_limits


def install_limits(app: FastAPI, config: ServiceConfig | None) -> None:
    """Wire the body limits and the rate limits of ``config`` (the defaults without one) into ``app``."""
    config = config or ServiceConfig()
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes, max_depth=config.max_json_depth)
    app.state.rate_limits = RateLimits(config.rate_limit_per_minute)
