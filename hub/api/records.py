"""The read API: every kind's records as a list (filters, cursor pages), one record by hub id, and a
look-up by external id or by a person's phone, national ID or email.

What a token sees is decided in the store (:meth:`~hub.core.store.Store.records_page` and its
siblings take the :class:`~hub.core.access.Grant`): a kind the token may not read at all is a 403;
a record outside its scope is a 404 with the body of a record that does not exist. PII is masked
(:func:`~hub.core.models.masked`) unless the token holds ``pii:read``; then the store reads and
audits in one transaction, so each plaintext read is in the audit log before the answer leaves.

Pages are in hub id order; the cursor is opaque (URL-safe base64 of the last id) and the store
documents what paging guarantees while writes go on (:mod:`hub.core.store.catalog`). A record's
ETag is its id and version (and whether PII is shown); a page's is a digest of its body; both
answer ``If-None-Match`` with 304.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from hub.api.auth import current_grant
from hub.api.errors import ERROR_RESPONSES
from hub.api.service import Service, service_of
from hub.core.access import Grant
from hub.core.errors import BadRequestError, ForbiddenError, NotFoundError
from hub.core.models import masked
from hub.core.store import Record, RecordFilter
from hub.core.transforms import identity

__all__ = ["router", "KINDS"]

router = APIRouter(tags=["records"])

#: The path of each kind's records (plural, as URLs name them) → the kind.
KINDS: dict[str, str] = {
    "candidates": "candidate", "jobs": "job", "applications": "application", "interviews": "interview",
    "assessments": "assessment", "feedback": "feedback", "offers": "offer", "employees": "employee", "departments": "department",
    "payslips": "payslip",
}

#: Look-up parameter → (blind-indexed field, the transform the mappings store that field with): the
#: query is normalized as the record was, so "+86 138 0013 8000" finds the "13800138000" an export held.
_BY_PII: dict[str, tuple[str, Callable[[str], str]]] = {
    "phone": ("phones", identity.phone),
    "national_id": ("national_id", identity.cn_resident_id),
    "email": ("emails", identity.email),
}

_CURSOR_PREFIX = "1:"

#: An ISO 8601 / RFC 3339 date and time with its offset (pydantic alone would also take a number as a Unix time).
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})", re.IGNORECASE)


def _timestamp_text(value: Any) -> Any:
    """Refuse anything but a date-time text with an offset, as the OpenAPI document says (``format: date-time``)."""
    if not (isinstance(value, str) and _TIMESTAMP.fullmatch(value)):
        raise ValueError("expected a date and time with an offset, e.g. 2026-12-01T08:00:00+08:00")
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_timestamp_text)]


class RecordJson(BaseModel):
    """A canonical record as JSON (its kind's fields; PII masked as strings unless the token holds pii:read)."""

    model_config = ConfigDict(extra="allow")

    id: str
    external_ids: dict[str, str]


class RecordPage(BaseModel):
    """One page of records; ``next_cursor`` continues the list (null on the last page)."""

    items: list[RecordJson]
    next_cursor: str | None = Field(description="pass as `cursor` to get the next page")


class LookupResult(BaseModel):
    """Every record the token may see that matches the look-up, by kind then id (never more than a page)."""

    items: list[RecordJson]
    next_cursor: None = None


#: The refusals of these endpoints as they are sent: the error body for 422 too (a query parameter of
#: the wrong type), where FastAPI would document its own validation body, which the service never sends.
_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES, 422: {**ERROR_RESPONSES[400], "description": "a query parameter of the wrong type"}}
_CACHED_RESPONSES = {**_RESPONSES, 304: {"description": "not modified (If-None-Match matched the ETag)"}}



def _list_endpoint(kind: str) -> Callable[..., Response]:
    def list_records(
        request: Request,
        grant: Grant = Depends(current_grant),
        service: Service = Depends(service_of),
        job: Annotated[str | None, Query(description="hub id of the job (applications, interviews, assessments, feedback, offers)")] = None,
        department: Annotated[str | None, Query(description="department as jobs name it")] = None,
        status: Annotated[str | None, Query(description="status (applications, interviews, offers, jobs; employees' employment_status)")] = None,
        system: Annotated[str | None, Query(description="only records this system has an id for")] = None,
        updated_since: Annotated[Timestamp | None, Query(description="updated at or after (ISO 8601 with offset)")] = None,
        updated_before: Annotated[Timestamp | None, Query(description="updated before (ISO 8601 with offset)")] = None,
        deleted: Annotated[bool, Query(description="true: only records marked deleted; false: only live ones")] = False,
        limit: Annotated[int | None, Query(ge=1, description="page size (at most the service's max_page_size)")] = None,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    ) -> Response:
        _require_kind(grant, kind)
        filters = RecordFilter(job=job, department=department, status=status, system=system,
                               updated_since=updated_since, updated_before=updated_before, deleted=deleted)
        if refused := filters.refused_for(kind):
            raise BadRequestError(f"filter(s) {', '.join(refused)} do not apply to {kind} records")
        page = service.store.records_page(grant, kind, filters, after=_position(cursor), limit=_page_size(service, limit))
        body = {"items": [_rendered(record, grant) for record in page.records],
                "next_cursor": _cursor(page.next_after) if page.next_after is not None else None}
        content = _json(body)
        return _answer(request, content, '"' + hashlib.sha256(content).hexdigest()[:32] + '"')

    return list_records


def _get_endpoint(kind: str) -> Callable[..., Response]:
    def get_record(entity_id: str, request: Request, grant: Grant = Depends(current_grant),
                   service: Service = Depends(service_of)) -> Response:
        _require_kind(grant, kind)
        record = service.store.visible_record(grant, kind, entity_id)
        if record is None:
            raise NotFoundError("no such record")
        etag = f'"{record.entity.id}.{record.version}.{"pii" if grant.pii_read else "masked"}"'
        return _answer(request, _json(_rendered(record, grant)), etag)

    return get_record


for _plural, _kind in KINDS.items():
    router.add_api_route(f"/v1/{_plural}", _list_endpoint(_kind), methods=["GET"], response_model=RecordPage,
                         responses=_CACHED_RESPONSES, operation_id=f"list_{_plural}",
                         summary=f"List {_plural} (filters, cursor pages)")
    router.add_api_route(f"/v1/{_plural}/{{entity_id}}", _get_endpoint(_kind), methods=["GET"],
                         response_model=RecordJson, responses=_CACHED_RESPONSES,
                         operation_id=f"get_{_kind}", summary=f"One {_kind} by hub id")


@router.get("/v1/lookup", response_model=LookupResult, responses=_RESPONSES, operation_id="lookup",
            summary="Records by a person's phone, national ID or email, or by a system's id")
def lookup(
    grant: Grant = Depends(current_grant),
    service: Service = Depends(service_of),
    phone: Annotated[str | None, Query(description="a phone number; without + read as a Chinese number")] = None,
    national_id: Annotated[str | None, Query(description="a Chinese resident ID")] = None,
    email: Annotated[str | None, Query(description="an email address (case ignored)")] = None,
    system: Annotated[str | None, Query(description="with external_id: the system that knows the record")] = None,
    external_id: Annotated[str | None, Query(description="with system: that system's id for the record")] = None,
) -> Response:
    """Exactly one of phone, national_id, email, or system with external_id; every kind the token may read."""
    given = {name: value for name, value in (("phone", phone), ("national_id", national_id), ("email", email),
                                             ("system", system), ("external_id", external_id)) if value is not None}
    if set(given) == {"system", "external_id"}:
        found = service.store.visible_by_external_id(grant, given["system"], given["external_id"])
    elif len(given) == 1 and (name := next(iter(given))) in _BY_PII:
        field, normalize = _BY_PII[name]
        try:
            normalized = normalize(given[name])
        except ValueError as exc:  # the transforms' messages mask the value
            raise BadRequestError(str(exc), field_path=name) from None
        found = service.store.visible_by_pii(grant, field, normalized)
    else:
        raise BadRequestError("give exactly one of phone, national_id, email, or system with external_id")
    return JSONResponse({"items": [_rendered(record, grant) for record in found], "next_cursor": None})


def _require_kind(grant: Grant, kind: str) -> None:
    if not grant.can_read(kind):
        raise ForbiddenError(f"this token may not read {kind} records")


def _page_size(service: Service, limit: int | None) -> int:
    limits = service.config.service
    if limit is not None and limit > limits.max_page_size:
        raise BadRequestError(f"limit is at most {limits.max_page_size}")
    return limit or limits.default_page_size


def _cursor(after: str) -> str:
    """The opaque cursor of a page that ends at hub id ``after``.

    Example:
        >>> _position(_cursor("0190f1e2-aaaa")) == "0190f1e2-aaaa"
        True
    """
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + after).encode()).decode().rstrip("=")


def _position(cursor: str | None) -> str | None:
    """The hub id a ``cursor`` continues after; BadRequestError for anything :func:`_cursor` did not make.

    Example:
        >>> _position("not a cursor")
        Traceback (most recent call last):
        ...
        hub.core.errors.BadRequestError: [bad-request] not a cursor this service gave (pass next_cursor as it came)
    """
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_CURSOR_PREFIX) or len(text) == len(_CURSOR_PREFIX) or not text.isprintable():
        raise BadRequestError("not a cursor this service gave (pass next_cursor as it came)")
    return text[len(_CURSOR_PREFIX):]


def _rendered(record: Record, grant: Grant) -> dict[str, Any]:
    """The canonical JSON of the record: PII in plaintext only for a pii:read grant (whose read the store audited)."""
    if grant.pii_read:
        return record.entity.model_dump(mode="json", exclude_none=True)
    return masked(record.entity)


def _json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _answer(request: Request, content: bytes, etag: str) -> Response:
    """``content`` with its ``etag``, or 304 when the client's If-None-Match already names it."""
    headers = {"ETag": etag}
    wanted = {tag.strip().removeprefix("W/") for tag in request.headers.get("if-none-match", "").split(",")}
    if etag in wanted or "*" in wanted:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type="application/json", headers=headers)
