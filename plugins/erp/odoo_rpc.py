"""Odoo's two external protocols behind one call shape: ``model.method(**kwargs)``.

Sources: https://www.odoo.com/documentation/19.0/developer/reference/external_api.html (JSON-2, and
"Migrating from XML-RPC / JSON-RPC"), https://www.odoo.com/documentation/18.0/developer/reference/external_api.html
(``execute_kw``), odoo/odoo ``addons/web/controllers/json2.py`` (how JSON-2 binds ``ids``, ``context``
and named arguments, and answers errors); docs/connectors/odoo.md.

* ``json2`` (Odoo 19+): ``POST /json/2/<model>/<method>`` with ``Authorization: bearer <API key>``
  (and ``X-Odoo-Database`` where one server hosts several databases); the body is an object of the
  method's named arguments plus ``ids`` and ``context``; the answer is the method's return value,
  errors a 4xx/5xx whose body is ``{name, message, arguments, context, debug}`` (``name`` the Python
  exception, e.g. ``werkzeug.exceptions.Unauthorized``).
* ``jsonrpc`` (every version; deprecated in 19, removed in 22): ``POST /jsonrpc`` with
  ``{"jsonrpc": "2.0", "method": "call", "params": {"service": "object", "method": "execute_kw",
  "args": [db, uid, password, model, method, args, kwargs]}}``, the uid from ``common.login``;
  answers ``{"result": ...}`` or, with HTTP 200, ``{"error": {"code", "message", "data": {"name", ...}}}``.

A call is built once as data (:func:`call`), so a page request can be checkpointed; the JSON-RPC
credentials are *not* in it: :class:`JsonRpcAuth` puts db, uid and key into the body as it is sent
(an ``httpx.Auth``, like every credential), so no key reaches the sync state or a log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from hub.core.auth import BearerTokenAuth
from hub.core.envelope import Envelope
from hub.core.errors import AuthError, ConfigError, RateLimitedError, TransientConnectorError
from hub.core.http import HttpClient, redact_text, vendor_wait
from hub.core.paginators import select

__all__ = ["AUTH_ERRORS", "JSON2", "JSONRPC", "TRANSPORTS", "JsonRpcAuth", "OdooErrors", "call", "call_method",
           "json2_auth", "kwargs_path", "model_of", "result_of"]

JSON2, JSONRPC = "json2", "jsonrpc"
TRANSPORTS = (JSON2, JSONRPC)
#: The exceptions that mean the credentials or the user's rights are wrong: an :class:`AuthError`.
AUTH_ERRORS = ("odoo.exceptions.AccessDenied", "odoo.exceptions.AccessError", "odoo.http.SessionExpiredException",
               "werkzeug.exceptions.Unauthorized", "werkzeug.exceptions.Forbidden")
#: Where ``execute_kw``'s args sit in a JSON-RPC body: ``[db, uid, password, model, method, args, kwargs]``.
_ARGS = ("params", "args")


def json2_path(model: str, method: str) -> str:
    """The JSON-2 endpoint of ``model.method``.

    Example:
        >>> json2_path("hr.employee", "search_read")
        '/json/2/hr.employee/search_read'
    """
    return f"/json/2/{model}/{method}"


def model_of(path: str) -> str:
    """The model a JSON-2 path names (the streams are declared by their JSON-2 endpoints).

    Example:
        >>> model_of("/json/2/hr.applicant/search_read")
        'hr.applicant'
    """
    return path.split("/")[3]


def kwargs_path(transport: str) -> tuple[str | int, ...]:
    """Where a call's named arguments (``offset``, ``limit`` ...) are in its body: the body itself
    (JSON-2) or ``execute_kw``'s seventh argument (JSON-RPC)."""
    return () if transport == JSON2 else (*_ARGS, 6)


def call(transport: str, model: str, method: str, kwargs: Mapping[str, Any], *, ids: Sequence[int] = (),
         positional: Sequence[str] = ()) -> tuple[str, dict[str, Any]]:
    """The URL and JSON body of ``model.method(**kwargs)`` on ``transport``.

    JSON-2 takes every argument by name. ``execute_kw`` takes ``args`` and ``kwargs``: the ids first
    (a method on records), then the arguments named in ``positional`` (``create``'s ``vals_list``,
    which Odoo's ``call_kw`` reads from ``args[0]``); ``context`` is one of its kwargs. The
    credentials' three slots are left empty for :class:`JsonRpcAuth`.

    Example:
        >>> call("json2", "hr.job", "search_read", {"domain": [], "limit": 2, "context": {"lang": "en_US"}})
        ('/json/2/hr.job/search_read', {'domain': [], 'limit': 2, 'context': {'lang': 'en_US'}})
        >>> call("jsonrpc", "hr.employee", "create", {"vals_list": [{"name": "A"}]}, positional=("vals_list",))[1]["params"]
        {'service': 'object', 'method': 'execute_kw', 'args': [None, None, None, 'hr.employee', 'create', [[{'name': 'A'}]], {}]}
    """
    if transport == JSON2:
        return json2_path(model, method), {**({"ids": list(ids)} if ids else {}), **kwargs}
    if transport != JSONRPC:
        raise ConfigError(f"odoo: unknown transport {transport!r}; it is one of {', '.join(TRANSPORTS)}", system="odoo")
    args = ([list(ids)] if ids else []) + [kwargs[name] for name in positional]
    named = {key: value for key, value in kwargs.items() if key not in positional}
    return "/jsonrpc", {"jsonrpc": "2.0", "method": "call", "id": 1,
                        "params": {"service": "object", "method": "execute_kw",
                                   "args": [None, None, None, model, method, args, named]}}


def result_of(transport: str, body: Any) -> Any:
    """The method's return value in an answer (JSON-RPC wraps it in ``result``).

    Example:
        >>> result_of("jsonrpc", {"jsonrpc": "2.0", "id": 1, "result": [7]}), result_of("json2", [7])
        ([7], [7])
    """
    return body.get("result") if transport == JSONRPC and isinstance(body, dict) else body


def call_method(client: HttpClient, transport: str, model: str, method: str, kwargs: Mapping[str, Any], *,
                ids: Sequence[int] = (), positional: Sequence[str] = ()) -> Any:
    """Call ``model.method`` through ``client`` (the connector's: auth, retries, error envelope) and
    return its result."""
    url, body = call(transport, model, method, kwargs, ids=ids, positional=positional)
    return result_of(transport, client.post(url, json=body).json())


# ---------------------------------------------------------------- errors


@dataclass(frozen=True)
class OdooErrors(Envelope):
    """Odoo's error bodies as an :class:`~hub.core.envelope.Envelope`: the exception's ``name`` is the
    code, so access and login errors are :class:`AuthError` and the rest permanent (a
    ``ValidationError`` names the record Odoo refused), with the name in ``vendor_code``.

    JSON-RPC answers an error with HTTP 200 and ``{"error": {"code", "message", "data": {"name",
    "message"}}}``: an ``error`` without ``data.name`` still fails, as ``jsonrpc-<code>``. A JSON-2
    error body is ``{"name", "message", ...}`` with a 4xx/5xx status (a bare JSON string from older
    builds of the controller leaves the verdict to the status). 429 and 503 are retried by their status.

    Example:
        >>> OdooErrors().failure({"jsonrpc": "2.0", "id": 1, "error": {"code": 200, "message": "Odoo Server Error",
        ...     "data": {"name": "odoo.exceptions.AccessError", "message": "You are not allowed to access 'Employee'"}}})
        ('odoo.exceptions.AccessError', "You are not allowed to access 'Employee'")
        >>> OdooErrors().error_class("odoo.exceptions.AccessError").__name__
        'AuthError'
        >>> OdooErrors().failure({"name": "odoo.exceptions.ValidationError", "message": "Badge ID taken"})
        ('odoo.exceptions.ValidationError', 'Badge ID taken')
        >>> OdooErrors().failure([{"id": 1, "name": "Sales"}]) is None
        True
    """

    code: str = "name"
    message: str = "message"
    ok: Sequence[Any] = ()
    auth: Sequence[Any] = AUTH_ERRORS

    def failure(self, body: Any) -> tuple[str, str | None] | None:
        if not isinstance(body, dict):
            return None
        error = body.get("error")
        if isinstance(error, dict):
            name = select(error, "data.name") or f"jsonrpc-{error.get('code')}"
            message = select(error, "data.message") or error.get("message")
            return str(name), None if message is None else str(message)
        name = body.get("name")
        if isinstance(name, str) and "." in name and "message" in body:  # an exception's dotted name
            return name, None if body.get("message") is None else str(body["message"])
        return None


# ---------------------------------------------------------------- credentials


def json2_auth(api_key: str) -> BearerTokenAuth:
    """``Authorization: bearer <API key>``, as the JSON-2 reference writes it."""
    return BearerTokenAuth(api_key, prefix="bearer ")


class JsonRpcAuth(httpx.Auth):
    """Fills ``execute_kw``'s ``db, uid, password`` into each JSON-RPC ``object`` call as it is sent.

    The uid comes from the ``uid`` setting, or from ``common.login(db, login, key)`` on the first
    call (kept for the connector's life). The password slot takes the API key, which Odoo accepts in
    place of the password. A login answering ``false`` or an access error is an :class:`AuthError`;
    429 and 5xx are retried as any request is.

    Example:
        >>> auth = JsonRpcAuth("mycompany", "api-bot@example.com", "test-secret-not-real", uid=7)
        >>> auth.secrets
        ('test-secret-not-real',)
    """

    requires_request_body = True
    requires_response_body = True

    def __init__(self, database: str, login: str | None, api_key: str, *, uid: int | None = None) -> None:
        self._database, self._login, self._key, self._uid = database, login, api_key, uid

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._key,)

    def auth_flow(self, request: httpx.Request) -> Any:
        body = json.loads(request.content or b"null")
        args = select(body, ".".join(_ARGS)) if isinstance(body, dict) else None
        if select(body, "params.service") != "object" or not isinstance(args, list) or len(args) < 3:
            yield request
            return
        if self._uid is None:
            answer = yield self._login_request(request)
            self._uid = self._read_uid(answer)
        args[0:3] = [self._database, self._uid, self._key]
        signed = httpx.Request(request.method, request.url, json=body,
                               headers={k: v for k, v in request.headers.items() if k.lower() != "content-length"},
                               extensions=request.extensions)
        yield signed

    def _login_request(self, request: httpx.Request) -> httpx.Request:
        if not self._login:
            raise ConfigError("odoo: the jsonrpc transport needs the setting 'login' (or 'uid')", system="odoo")
        body = {"jsonrpc": "2.0", "method": "call", "id": 1,
                "params": {"service": "common", "method": "login", "args": [self._database, self._login, self._key]}}
        return httpx.Request("POST", request.url, json=body, headers={"Accept": "application/json"},
                             extensions=request.extensions)

    def _read_uid(self, answer: httpx.Response) -> int:
        text = redact_text(answer.text, self.secrets)
        if answer.status_code == 429 or answer.status_code >= 500:
            wait = vendor_wait(answer.headers, now=time.time())
            cls = RateLimitedError if answer.status_code == 429 or wait is not None else TransientConnectorError
            extra = {"retry_after": wait} if cls is RateLimitedError else {}
            raise cls(f"odoo common.login returned {answer.status_code}", status=answer.status_code, body=text,
                      system="odoo", **extra)
        try:
            body = answer.json()
        except ValueError:
            body = None
        failure = OdooErrors().failure(body)
        uid = body.get("result") if isinstance(body, dict) else None
        if failure is not None or isinstance(uid, bool) or not isinstance(uid, int):
            said = f"vendor code {failure[0]}" if failure else "no uid (false: wrong login, key or database)"
            raise AuthError(f"odoo common.login refused the credentials: {said}", status=answer.status_code, body=text,
                            system="odoo", **({"vendor_code": failure[0]} if failure else {}))
        return uid
