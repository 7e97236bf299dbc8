"""The change feed over HTTP: ``GET /v1/changes`` (a page, or a long poll) and ``GET /v1/changes/stream`` (SSE).

A consumer remembers one number, the ``seq`` of the last change it processed, and asks for what comes
after it: entries arrive in ``seq`` order, each exactly once, each with the entity's state at that
version (:meth:`hub.core.store.Store.changes`: scope and masking of the token's grant). ``next_after``
is what to send next time. Two forms spare a consumer polling in a loop:

* ``wait=<seconds>`` holds an empty answer until something newer exists (checked every
  :data:`POLL_SECONDS`) or the wait is over, at most ``service.long_poll_max_seconds``;
* ``/v1/changes/stream`` is a server-sent-events stream (``id: <seq>``, ``event: change``,
  ``data: <item JSON>``) that resumes after ``Last-Event-ID`` when the client reconnects, with a
  comment line every :data:`HEARTBEAT_SECONDS` of quiet, which also re-checks the token: a revoked or
  expired token ends the stream. A stream also ends after ``service.stream_max_seconds`` (EventSource
  reconnects by itself), so no connection outlives its token by long or holds a worker forever.

The database is read in the thread pool, never on the event loop, and a waiting request only sleeps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import pydantic_core
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from hub.api.auth import current_grant
from hub.api.errors import ERROR_RESPONSES
from hub.api.service import Service, service_of
from hub.core.access import Grant
from hub.core.errors import BadRequestError, ForbiddenError
from hub.core.models import ENTITY_TYPES
from hub.core.store import Change

__all__ = ["router", "POLL_SECONDS", "HEARTBEAT_SECONDS"]

#: How often a waiting request (long poll, quiet stream) looks for newer changes.
POLL_SECONDS = 0.2
#: How long a stream stays quiet before a comment line keeps proxies from closing it.
HEARTBEAT_SECONDS = 15.0

#: One server-sent event of the stream, as a client's parser gives it (the data: a change's JSON).
_EVENT_SCHEMA = {"type": "object", "required": ["id", "event", "data"], "properties": {
    "id": {"type": "string", "description": "the change's seq; sent back as Last-Event-ID"},
    "event": {"type": "string", "enum": ["change"]},
    "data": {"type": "string", "description": "the change as JSON, as one item of GET /v1/changes"}}}

router = APIRouter(prefix="/v1/changes", tags=["changes"], responses=ERROR_RESPONSES)


class ChangeItem(BaseModel):
    """One change: which entity, which version, what happened, and the entity's state at that version."""

    seq: int
    kind: str
    id: str
    version: int
    op: str
    origin: str | None
    at: str
    entity: dict[str, Any]


class ChangePage(BaseModel):
    items: list[ChangeItem]
    next_after: int


After = Annotated[int, Query(ge=0, le=2**63 - 1, description="the last seq already processed (0: from the start)")]
Kinds = Annotated[list[str] | None, Query(description="kinds to follow (e.g. `candidate,offer`); default all the token may read")]


def _kinds(grant: Grant, requested: list[str] | None) -> frozenset[str] | None:
    """The requested kinds, checked: 400 for a kind the hub does not know, 403 for one the token may not read."""
    if not requested:
        return None
    kinds = frozenset(kind.strip() for value in requested for kind in value.split(",") if kind.strip())
    if unknown := sorted(kinds - ENTITY_TYPES.keys()):
        raise BadRequestError(f"unknown kind(s) {', '.join(unknown)}; known: {', '.join(sorted(ENTITY_TYPES))}")
    if refused := sorted(kinds - grant.readable_kinds):
        raise ForbiddenError(f"this token may not read {', '.join(refused)}")
    return kinds


def _item(change: Change) -> dict[str, Any]:
    return {"seq": change.seq, "kind": change.kind, "id": change.entity_id, "version": change.version,
            "op": change.op, "origin": change.origin, "at": change.at, "entity": change.entity}


@router.get("", response_model=ChangePage, summary="Changes after a sequence number, in order (optionally waiting)")
async def list_changes(
    after: After = 0,
    kinds: Kinds = None,
    limit: Annotated[int | None, Query(ge=1, description="changes a page (default: service.default_page_size)")] = None,
    wait: Annotated[float, Query(ge=0, le=3600, description="seconds to wait for a change when there is none yet")] = 0,
    grant: Grant = Depends(current_grant),
    service: Service = Depends(service_of),
) -> Response:
    """``{"items": [...], "next_after": seq}``: send ``next_after`` as ``after`` next time."""
    config = service.config.service
    size = config.default_page_size if limit is None else limit
    if size > config.max_page_size:
        raise BadRequestError(f"limit is at most {config.max_page_size}")
    wanted = _kinds(grant, kinds)
    deadline = time.monotonic() + min(wait, config.long_poll_max_seconds)
    while True:
        page = await run_in_threadpool(service.store.changes, after, size, kinds=wanted, grant=grant)
        if page or time.monotonic() >= deadline:
            break
        await asyncio.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
    body = {"items": [_item(change) for change in page], "next_after": page[-1].seq if page else after}
    return Response(pydantic_core.to_json(body), media_type="application/json")


@router.get("/stream", summary="Changes as server-sent events, resuming after Last-Event-ID",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {"schema": _EVENT_SCHEMA}},
                             "description": "`id: <seq>` / `event: change` / `data: <change JSON>` events"}})
async def stream_changes(
    request: Request,
    after: After = 0,
    kinds: Kinds = None,
    last_event_id: Annotated[str | None, Header(description="the last seq received (set by EventSource on reconnect)")] = None,
    grant: Grant = Depends(current_grant),
    service: Service = Depends(service_of),
) -> StreamingResponse:
    """Every change after ``Last-Event-ID`` (else ``after``), then each new one as it is written."""
    if last_event_id is not None:
        if not last_event_id.isdigit() or int(last_event_id) > 2**63 - 1:
            raise BadRequestError("Last-Event-ID must be the seq of a change")
        after = int(last_event_id)
    wanted = _kinds(grant, kinds)
    token = request.headers["authorization"].partition(" ")[2].strip()
    return StreamingResponse(_events(request, service, grant, token, after, wanted), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _events(request: Request, service: Service, grant: Grant, token: str, after: int,
                  kinds: frozenset[str] | None) -> AsyncIterator[str]:
    size, quiet_since = service.config.service.default_page_size, time.monotonic()
    ends = quiet_since + service.config.service.stream_max_seconds
    while time.monotonic() < ends and not await request.is_disconnected():
        page = await run_in_threadpool(service.store.changes, after, size, kinds=kinds, grant=grant)
        for change in page:
            yield f"id: {change.seq}\nevent: change\ndata: {pydantic_core.to_json(_item(change)).decode()}\n\n"
        if page:
            after, quiet_since = page[-1].seq, time.monotonic()
            continue
        if time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
            if await run_in_threadpool(service.store.api_tokens.authenticate, token) is None:
                return
            yield ": keep-alive\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)
