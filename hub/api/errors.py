"""Every refusal of the HTTP service as JSON: ``{"code", "reason", ...}`` with the error's HTTP status.

The hub's own errors carry their status (:class:`~hub.core.errors.ApiRequestError`,
:class:`~hub.core.errors.WebhookRefusedError`); FastAPI's request validation becomes a 422 in the same
shape, without the offending input (it may be a person's data); a route or method that does not
exist keeps its 404 / 405 in the same shape too, so a client parses one error format.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from hub.core.errors import ApiRequestError, TooManyRequestsError, WebhookRefusedError

__all__ = ["install_error_handlers", "ERROR_RESPONSES"]

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
