"""``POST /v1/webhooks/{connector}``: a vendor's webhook, verified, stored, then acknowledged.

The vendor's signature is the authentication (no bearer token): the connector configured under
``connectors.<connector>`` in hub.yaml verifies it (:meth:`~hub.core.connector.RestConnector.parse_webhook`).
The URL's query parameters go to the connector with the body and headers (a vendor may sign there, as
Moka does: ``?sign=<hex>``); only those it names in ``webhook_query_params`` are taken. The body is read
with its connector's ``webhook_max_bytes`` as a hard cap: a ``Content-Length`` over
it is refused before a byte is read, a chunked body as soon as the count passes it. The records then
take the record path of a sync (:class:`~hub.core.sync.WebhookReceiver`: mapping, validators, dead
letters, the delivery's receipt), in a worker thread, and the 200 is sent only after that
transaction has committed: a process killed after answering has nothing left to lose. Deliveries
arriving while one is being stored are stored together in the next transaction (:class:`GroupCommit`):
under load one commit serves many webhooks.

Answers (the vendor retries a 5xx and a timeout, never a 4xx):

* 200 ``{"received": {...}}`` — stored; bad records are dead letters (``dead_lettered``), still acknowledged;
* 200 with the JSON a vendor's handshake expects (Feishu's ``url_verification`` challenge echoed), when the
  connector answers one (:meth:`~hub.core.connector.RestConnector.webhook_answer`): nothing stored;
* 200 with the vendor's own receipt in place of ``{"received": ...}`` when the connector gives one
  (:meth:`~hub.core.connector.RestConnector.webhook_receipt`: DingTalk's, WeCom's, Yonyou's encrypted ``success``), also for a
  delivery id received before (stored then; such a vendor retries until it has its receipt);
* 401 bad or stale signature, 409 a delivery id received before (without a vendor receipt), 413 a body over the limit, 400 a
  verified body the connector cannot read or a query parameter its vendor does not send — nothing stored; logged at WARNING with the connector,
  code and reason, never the body or a header;
* 404 no connector by that name, or one that receives no webhooks (the same answer);
* ``GET /v1/webhooks/{connector}``: a vendor's URL check (WeCom's ``echostr``), answered in plain text by the
  connector (:meth:`~hub.core.connector.RestConnector.webhook_handshake`) after it checked the signature;
* 503 the connector's settings are wrong (say a missing ``webhook_secret``) or the store refused:
  logged at ERROR for the operator; the vendor keeps the delivery and retries it. Also 503 when a record
  the delivery names by id could not be fetched from the vendor (logged at WARNING): it retries.
"""

from __future__ import annotations

import asyncio
import logging

import anyio
from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel
from starlette.datastructures import Headers

from hub.api.errors import ERROR_RESPONSES
from hub.api.limits import VENDOR_QUERY
from hub.api.service import Service, service_of
from hub.core.connector import RestConnector
from hub.core.errors import (
    BadRequestError,
    ConfigError,
    ConnectorError,
    MalformedPageError,
    NotFoundError,
    ServiceUnavailableError,
    StoreError,
    WebhookRefusedError,
    WebhookReplayError,
    WebhookTooLargeError,
)
from hub.core.runtime import build_connector
from hub.core.sync import Accepted, WebhookReceiver

__all__ = ["router", "GroupCommit", "WebhookReceivers"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

#: Groups stored at once per process, over all connectors. SQLite takes one writer at a time: more
#: threads would only queue on its lock with back-off sleeps. On PostgreSQL a second group fills
#: while the first waits for its commit to be flushed.
_WRITERS = {"sqlite": 1}
_DEFAULT_WRITERS = 2
#: The most deliveries committed in one transaction.
_GROUP = 64


class Received(BaseModel):
    """The delivery's records: ``stored`` were taken by the store (created, updated, or found
    unchanged or older than the version held), ``dead_lettered`` failed mapping or validation and
    wait in dead letters (``hub dead-letters``) — the delivery is acknowledged all the same."""

    records: int
    stored: int
    dead_lettered: int


class Acknowledged(BaseModel):
    received: Received


class GroupCommit:
    """One connector's deliveries, stored a group per transaction in a worker thread.

    Deliveries that arrive while a group is being stored wait and go together in the next one
    (:meth:`~hub.core.sync.WebhookReceiver.receive_many`): under load one commit serves many
    webhooks, alone a webhook is stored at once. Each request still gets its own outcome, only
    after the transaction holding it has committed.
    """

    def __init__(self, receiver: WebhookReceiver, writers: anyio.CapacityLimiter) -> None:
        self.receiver, self.writers = receiver, writers
        self._waiting: list[tuple[Headers, bytes, dict[str, str], asyncio.Future[Accepted]]] = []
        self._storing: set[asyncio.Task[None]] = set()

    async def receive(self, headers: Headers, raw_body: bytes, query: dict[str, str]) -> Accepted:
        """The delivery's counts once it is committed; its refusal raised. ``query``: the URL's parameters."""
        outcome: asyncio.Future[Accepted] = asyncio.get_running_loop().create_future()
        self._waiting.append((headers, raw_body, query, outcome))
        if len(self._storing) < self.writers.total_tokens:
            task = asyncio.create_task(self._store())
            self._storing.add(task)
            task.add_done_callback(self._storing.discard)
        return await asyncio.shield(outcome)  # a client hanging up does not take its delivery out of a group

    async def _store(self) -> None:
        """Store what waits, a group at a time, until nothing does."""
        while self._waiting:
            async with self.writers:
                group, self._waiting = self._waiting[:_GROUP], self._waiting[_GROUP:]
                if not group:  # another writer took them while this one waited for its turn
                    return
                try:
                    deliveries = [(headers, body, query) for headers, body, query, _ in group]
                    outcomes, _ = await to_thread.run_sync(self.receiver.receive_many, deliveries)
                except Exception as exc:  # noqa: BLE001 — every request of the group answers for it
                    outcomes = [exc] * len(group)
            for (*_, future), outcome in zip(group, outcomes, strict=True):
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)


class WebhookReceivers:
    """The process's receiving side per hub.yaml key, each built on its first delivery (a connector's
    HTTP client and compiled mappings cost more than a delivery)."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.writers = anyio.CapacityLimiter(_WRITERS.get(service.store.engine.dialect.name, _DEFAULT_WRITERS))
        self._receivers: dict[str, GroupCommit] = {}

    def get(self, key: str) -> GroupCommit:
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
            receiver = WebhookReceiver(build_connector(config, registry, key), self.service.store, key=key,
                                       validators=registry.validators, pm=self.service.pm)
            self._receivers[key] = GroupCommit(receiver, self.writers)
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
                "hub.yaml (Greenhouse: `Signature: sha256 <hex>` and `Greenhouse-Event-ID`; Moka: `?sign=<hex>` on "
                "the URL and the body's `id`); no bearer token. Query parameters are the vendor's: those the "
                "connector takes, any other is a 400. "
                "Answered 200 only once the records are stored; bad records become dead letters and are "
                "counted in `dead_lettered`. 401 bad or stale signature, 409 a delivery received before, "
                "413 a body over the connector's `webhook_max_bytes`; 503 asks the vendor to retry later. A vendor's "
                "handshake (Feishu's `url_verification`) is answered 200 with the JSON it expects, nothing stored.",
    response_model=Acknowledged,
    responses={status: ERROR_RESPONSES[status] for status in (400, 404, 413)}
    | {401: {**ERROR_RESPONSES[401], "description": "the signature is missing, wrong or stale"},
       409: {**ERROR_RESPONSES[400], "description": "this delivery id was received and stored before"},
       503: {**ERROR_RESPONSES[400], "description": "the connector is misconfigured or the store is unavailable; "
                                                   "retry later"}},
    openapi_extra={"security": [], VENDOR_QUERY: True,
                   "requestBody": {"required": True, "description": "the vendor's payload, signed as sent",
                                   "content": {"application/json": {"schema": {"type": "object"}}}}},
)
async def receive_webhook(connector: str, request: Request,
                          receivers: WebhookReceivers = Depends(receivers_of)) -> Acknowledged | JSONResponse:
    try:
        group = receivers.get(connector)
        query = _vendor_query(request, group.receiver.connector)
        raw_body = await _capped_body(request, group.receiver.connector.webhook_limit(), connector)
        answer = group.receiver.connector.webhook_answer(request.headers, raw_body)
        if answer is not None:
            return JSONResponse(dict(answer))
        accepted = await group.receive(request.headers, raw_body, query)
    except WebhookRefusedError as exc:
        log.warning("webhook refused: connector=%s code=%s reason=%s", connector, exc.code, exc.reason)
        # stored before: a vendor that wants its receipt (webhook_receipt) retries until it has one
        receipt = group.receiver.connector.webhook_receipt() if isinstance(exc, WebhookReplayError) else None
        if receipt is None:
            raise
        return JSONResponse(dict(receipt))
    except MalformedPageError as exc:
        log.warning("webhook refused: connector=%s code=%s reason=%s", connector, exc.code, exc.reason)
        raise WebhookRefusedError(exc.reason, system=connector) from None
    except (ConfigError, StoreError) as exc:
        log.error("webhook not taken, the vendor will retry: connector=%s code=%s reason=%s",
                  connector, exc.code, exc.reason)
        raise ServiceUnavailableError("this connector cannot take webhooks now; retry later",
                                      system=connector) from None
    except ConnectorError as exc:  # a record the delivery names could not be fetched from the vendor
        log.warning("webhook not taken, the vendor will retry: connector=%s code=%s reason=%s",
                    connector, exc.code, exc.reason)
        raise ServiceUnavailableError("a record this webhook names could not be fetched; retry later",
                                      system=connector) from None
    receipt = group.receiver.connector.webhook_receipt()
    if receipt is not None:
        return JSONResponse(dict(receipt))
    return Acknowledged(received=Received(records=accepted.records, stored=accepted.stored,
                                          dead_lettered=accepted.dead_lettered))


@router.get(
    "/{connector}",
    summary="Answer a vendor's URL check",
    description="Some vendors check a callback URL with a signed GET before they post to it (WeCom: "
                "`?msg_signature&timestamp&nonce&echostr`, answered with the decrypted `echostr` as plain text). "
                "The connector configured under this name verifies the signature; nothing is stored. 401 a bad "
                "signature, 404 a connector whose vendor makes no such check.",
    response_class=PlainTextResponse,
    responses={status: ERROR_RESPONSES[status] for status in (400, 404)}
    | {401: {**ERROR_RESPONSES[401], "description": "the signature is missing or wrong"},
       503: {**ERROR_RESPONSES[400], "description": "the connector is misconfigured; retry later"}},
    openapi_extra={"security": [], VENDOR_QUERY: True},
)
async def answer_url_check(connector: str, request: Request,
                           receivers: WebhookReceivers = Depends(receivers_of)) -> PlainTextResponse:
    try:
        receiving = receivers.get(connector).receiver.connector
        answer = receiving.webhook_handshake(_vendor_query(request, receiving))
    except WebhookRefusedError as exc:
        log.warning("webhook URL check refused: connector=%s code=%s reason=%s", connector, exc.code, exc.reason)
        raise
    except ConfigError as exc:
        log.error("webhook URL check not answered: connector=%s code=%s reason=%s", connector, exc.code, exc.reason)
        raise ServiceUnavailableError("this connector cannot take webhooks now; retry later", system=connector) from None
    if answer is None:
        raise NotFoundError("this connector's vendor makes no URL check")
    return PlainTextResponse(answer)


def _vendor_query(request: Request, connector: RestConnector) -> dict[str, str]:
    """The URL's query parameters, each one the connector's vendor sends (``webhook_query_params``)."""
    taken = connector.webhook_query_params
    if unknown := set(request.query_params) - set(taken):
        raise BadRequestError(f"{len(unknown)} unknown query parameter(s); this connector's webhooks take: "
                              f"{', '.join(taken) or 'none'}")
    return dict(request.query_params)


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
