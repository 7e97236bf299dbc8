"""``POST /v1/webhooks/{connector}``: a vendor's webhook, verified, stored, then acknowledged.

The vendor's signature is the authentication (no bearer token): the connector configured under
``connectors.<connector>`` in hub.yaml verifies it (:meth:`~hub.core.connector.RestConnector.parse_webhook`).
The body is read with its connector's ``webhook_max_bytes`` as a hard cap: a ``Content-Length`` over
it is refused before a byte is read, a chunked body as soon as the count passes it. The records then
take the record path of a sync (:class:`~hub.core.sync.WebhookReceiver`: mapping, validators, dead
letters, one transaction with the delivery's receipt), in a worker thread, and the 200 is sent only
after that transaction has committed: a process killed after answering has nothing left to lose.

Answers (the vendor retries a 5xx and a timeout, never a 4xx):

* 200 ``{"received": {...}}`` — stored; bad records are dead letters (``dead_lettered``), still acknowledged;
* 401 bad or stale signature, 409 a delivery id received before, 413 a body over the limit, 400 a
  verified body the connector cannot read — nothing stored; logged at WARNING with the connector,
  code and reason, never the body or a header;
* 404 no connector by that name, or one that receives no webhooks (the same answer);
* 503 the connector's settings are wrong (say a missing ``webhook_secret``) or the store refused:
  logged at ERROR for the operator; the vendor keeps the delivery and retries it.
"""

from __future__ import annotations

import logging

import anyio
from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from hub.api.errors import ERROR_RESPONSES
from hub.api.service import Service, service_of
from hub.core.connector import RestConnector
from hub.core.errors import (
    ConfigError,
    MalformedPageError,
    NotFoundError,
    ServiceUnavailableError,
    StoreError,
    WebhookRefusedError,
    WebhookTooLargeError,
)
from hub.core.plugins import get_plugin_manager
from hub.core.runtime import build_connector
from hub.core.sync import WebhookReceiver

__all__ = ["router", "WebhookReceivers"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

#: Deliveries stored at once per process. SQLite takes one writer at a time: more threads would only
#: queue on its lock with back-off sleeps. PostgreSQL commits concurrent transactions together.
_WRITERS = {"sqlite": 1}
_DEFAULT_WRITERS = 8


class Received(BaseModel):
    """What the delivery's records did; ``dead_lettered`` records failed mapping or validation and
    wait in dead letters (``hub dead-letters``) — the delivery is acknowledged all the same."""

    records: int
    created: int
    updated: int
    unchanged: int
    stale: int
    deleted: int
    dead_lettered: int


class Acknowledged(BaseModel):
    received: Received


class WebhookReceivers:
    """The process's :class:`~hub.core.sync.WebhookReceiver` per hub.yaml key, each built on its
    first delivery (a connector's HTTP client and compiled mappings cost more than a delivery)."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.writers = anyio.CapacityLimiter(_WRITERS.get(service.store.engine.dialect.name, _DEFAULT_WRITERS))
        self._receivers: dict[str, WebhookReceiver] = {}
        self._pm = get_plugin_manager()  # the hub_event observers that hear of dead-lettered records

    def get(self, key: str) -> WebhookReceiver:
        """The receiver of ``key``.

        Raises:
            NotFoundError: no connector ``key``, or it receives no webhooks: one answer for both.
            ConfigError: its settings are wrong.
        """
        if key not in self._receivers:
            config, registry = self.service.config, self.service.registry
            entry = config.connectors.get(key)
            cls = registry.connectors.get(entry.type) if entry is not None else None
            if not (isinstance(cls, type) and issubclass(cls, RestConnector) and cls.receives_webhooks):
                raise NotFoundError("no connector by that name receives webhooks here")
            self._receivers[key] = WebhookReceiver(build_connector(config, registry, key), self.service.store, key=key,
                                                   validators=registry.validators, pm=self._pm)
        return self._receivers[key]


def receivers_of(request: Request) -> WebhookReceivers:
    """The application's receivers, made on the first webhook (requests share the event loop's thread)."""
    state = request.app.state
    if getattr(state, "webhook_receivers", None) is None:
        state.webhook_receivers = WebhookReceivers(service_of(request))
    return state.webhook_receivers


@router.post(
    "/{connector}",
    summary="Receive a vendor's signed webhook",
    description="Authenticated by the vendor's signature, checked by the connector configured under this name in "
                "hub.yaml (Greenhouse: `Signature: sha256 <hex>` and `Greenhouse-Event-ID`); no bearer token. "
                "Answered 200 only once the records are stored; bad records become dead letters and are "
                "counted in `dead_lettered`. 401 bad or stale signature, 409 a delivery received before, "
                "413 a body over the connector's `webhook_max_bytes`; 503 asks the vendor to retry later.",
    response_model=Acknowledged,
    responses={status: ERROR_RESPONSES[status] for status in (400, 404, 413)}
    | {401: {**ERROR_RESPONSES[401], "description": "the signature is missing, wrong or stale"},
       409: {**ERROR_RESPONSES[400], "description": "this delivery id was received and stored before"},
       503: {**ERROR_RESPONSES[400], "description": "the connector is misconfigured or the store is unavailable; "
                                                   "retry later"}},
    openapi_extra={"security": [],
                   "requestBody": {"required": True, "description": "the vendor's payload, signed as sent",
                                   "content": {"application/json": {"schema": {"type": "object"}}}}},
)
async def receive_webhook(connector: str, request: Request,
                          receivers: WebhookReceivers = Depends(receivers_of)) -> Acknowledged:
    try:
        receiver = receivers.get(connector)
        raw_body = await _capped_body(request, receiver.connector.webhook_limit(), connector)
        async with receivers.writers:
            counters = await to_thread.run_sync(receiver.receive, request.headers, raw_body)
    except WebhookRefusedError as exc:
        log.warning("webhook refused: connector=%s code=%s reason=%s", connector, exc.code, exc.reason)
        raise
    except MalformedPageError as exc:
        log.warning("webhook refused: connector=%s code=%s reason=%s", connector, exc.code, exc.reason)
        raise WebhookRefusedError(exc.reason, system=connector) from None
    except (ConfigError, StoreError) as exc:
        log.error("webhook not taken, the vendor will retry: connector=%s code=%s reason=%s",
                  connector, exc.code, exc.reason)
        raise ServiceUnavailableError("this connector cannot take webhooks now; retry later",
                                      system=connector) from None
    return Acknowledged(received=Received(records=counters.records, created=counters.created,
                                          updated=counters.updated, unchanged=counters.unchanged,
                                          stale=counters.stale, deleted=counters.deleted,
                                          dead_lettered=counters.failed))


async def _capped_body(request: Request, limit: int, key: str) -> bytes:
    """The body, never more than ``limit`` bytes of it held: a declared length over the limit is
    refused unread, a chunked one as soon as what arrived passes it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise WebhookTooLargeError(f"the webhook body has {declared} bytes, over the limit of {limit} "
                                   "(setting webhook_max_bytes)", system=key)  # fmt: skip
    parts: list[bytes] = []
    size = 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise WebhookTooLargeError(f"the webhook body is over the limit of {limit} bytes "
                                       "(setting webhook_max_bytes)", system=key)  # fmt: skip
        parts.append(part)
    return b"".join(parts)
