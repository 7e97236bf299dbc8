"""Every refusal of the HTTP service as JSON: ``{"code", "reason", ...}`` with the error's HTTP status.

The hub's own errors carry their status (:class:`~hub.core.errors.ApiRequestError`,
:class:`~hub.core.errors.WebhookRefusedError`); FastAPI's request validation becomes a 422 in the same
shape, without the offending input (it may be a person's data); a route or method that does not
exist keeps its 404 / 405 in the same shape too, so a client parses one error format.

Anything else a handler raises is a defect, not the client's doing: :class:`InternalErrors` answers
500 ``{"code": "internal-error"}`` with nothing of the exception in the body, and logs where it was
raised (files, lines and functions: no source text) with its message only when it is a hub error
(masked where raised) — a foreign exception's text may quote a row, so only its type is logged.
"""

from __future__ import annotations

import logging
import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.core.errors import ApiRequestError, HubError, TooManyRequestsError, WebhookRefusedError

__all__ = ["install_error_handlers", "ERROR_RESPONSES", "InternalErrors"]

_log = logging.getLogger("hub.api")

#: The error body in the OpenAPI document, for the statuses every endpoint may answer.
_ERROR_SCHEMA = {"type": "object", "required": ["code", "reason"],
                 "properties": {"code": {"type": "string"}, "reason": {"type": "string"}}}
ERROR_RESPONSES: dict[int | str, dict] = {
    status: {"description": text, "content": {"application/json": {"schema": _ERROR_SCHEMA}}}
    for status, text in ((400, "bad request"), (401, "no valid token"), (403, "not allowed for this token"),
                         (404, "no such record, or none this token may see"), (413, "body too large"),
                         (429, "rate limit spent; see Retry-After"))
}


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiRequestError, _refused)  # type: ignore[arg-type]
    app.add_exception_handler(WebhookRefusedError, _refused)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
    app.add_middleware(InternalErrors)
    _document_refusals(app)


def _document_refusals(app: FastAPI) -> None:
    """Every operation of the OpenAPI document lists the refusals the service's own layers may answer
    it with, whatever its router declares: 400 (a query parameter it does not take, a NUL), 413 for a
    body over the cap, and with a bearer token 401 and 429 — so a client and schemathesis expect them."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        document = build()
        for methods in document.get("paths", {}).values():
            for operation in methods.values():
                statuses = [400] + [413] * ("requestBody" in operation) + [401, 429] * bool(operation.get("security"))
                for status in statuses:
                    operation.setdefault("responses", {}).setdefault(str(status), ERROR_RESPONSES[status])
        return document

    app.openapi = openapi  # type: ignore[method-assign]


async def _refused(_request: Request, exc: ApiRequestError | WebhookRefusedError) -> JSONResponse:
    headers = {"Retry-After": str(max(1, round(exc.retry_after)))} if isinstance(exc, TooManyRequestsError) else None
    return JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=headers)


async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [{"field_path": ".".join(str(part) for part in error["loc"]), "reason": error["msg"]}
                for error in exc.errors()]
    reason = "; ".join(f"{p['field_path']}: {p['reason']}" for p in problems[:5])
    return JSONResponse({"code": "invalid-request", "reason": reason, "errors": problems}, status_code=422)


async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
    code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "bad-request")
    return JSONResponse({"code": code, "reason": str(exc.detail)}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


class InternalErrors:
    """Pure ASGI middleware: an unexpected exception becomes a 500 without a traceback or any of its text.

    Starlette's own last resort would log the exception's message, which may hold a person's data.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:  # noqa: BLE001 - the last resort: answered and logged, never re-raised
            _log.error("internal-error on %s %s: %s\n%s", scope.get("method", ""), scope.get("path", ""),
                       str(exc) if isinstance(exc, HubError) else type(exc).__name__,
                       "\n".join(f"  {frame.filename}:{frame.lineno} in {frame.name}"
                                 for frame in traceback.extract_tb(exc.__traceback__)))
            if not started and scope["type"] == "http":
                await JSONResponse({"code": "internal-error", "reason": "the server failed; the error is logged"},
                                   status_code=500)(scope, receive, send)
