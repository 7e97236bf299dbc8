"""Authenticators for vendor APIs, as ``httpx.Auth`` generator flows.

Each flow reads top to bottom like the conversation it has with the vendor (the httpx ``_auth.py``
idea): fetch a token if there is no fresh one, send the request, and on a 401 fetch a new token and
send it *once* more. A second 401 is returned to :class:`~hub.core.http.HttpClient`, which raises
:class:`~hub.core.errors.AuthError`. Vendors that say "this token is no longer valid" with a code in
the body instead (Feishu ``99991663``, whatever the HTTP status) name those codes
(``refresh_codes``): such an answer refreshes the token the same way. Token requests are yielded from the flow, so they travel over the
same client and transport (cassettes and test servers see them too).

:class:`OAuth2RefreshToken` is the refresh-token grant of APIs whose refresh tokens rotate (Gusto): each
answer's new refresh token replaces the spent one and is handed to the caller to keep.

Every authenticator exposes ``secrets``: the credential values currently in use. The HTTP client masks
them in vendor bodies, so no error or log line repeats a key, secret or token.

Token-endpoint answers map like this: 2xx with a token → cached until expiry minus ``skew``;
429/5xx → :class:`~hub.core.errors.TransientConnectorError` (the client retries; a 429, or a 5xx
with a wait hint, is a :class:`~hub.core.errors.RateLimitedError` whose ``retry_after`` comes from
``Retry-After`` or a reset header, honoured as for any data request); any other answer,
or a 2xx without a token (DingTalk reports errors with HTTP 200) → :class:`~hub.core.errors.AuthError`
carrying the redacted vendor body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from hub.core.errors import AuthError, ConfigError, RateLimitedError, TransientConnectorError
from hub.core.http import is_sensitive_name, redact_text, redact_url, vendor_wait
from hub.core.paginators import select

__all__ = [
    "FEISHU_TOKEN_CODES",
    "AppTokenAuth",
    "BasicAuth",
    "BearerTokenAuth",
    "HmacSigningAuth",
    "OAuth2ClientCredentials",
    "OAuth2RefreshToken",
    "credential_answer",
]

DINGTALK_TOKEN_URL = "https://oapi.dingtalk.com/gettoken"
FEISHU_TOKEN_URL = "https://open.feishu.cn/open-apis/auth/v3/tenant_access_token/internal"
#: Feishu's answers to a request whose token is missing or no longer valid: 99991661 (missing),
#: 99991663 (tenant_access_token invalid, e.g. replaced before its ``expire``), 99991664
#: (app_access_token invalid), 99991668 (access token invalid).
FEISHU_TOKEN_CODES = (99991661, 99991663, 99991664, 99991668)

Flow = Generator[httpx.Request, httpx.Response, None]


class BearerTokenAuth(httpx.Auth):
    """A static token in a header: ``Authorization: Bearer <token>`` or e.g. ``X-Api-Key: <token>``.

    Example:
        >>> auth = BearerTokenAuth("s3cr3t")
        >>> auth_for_api_key = BearerTokenAuth("k-123", header="X-Api-Key", prefix="")
    """

    def __init__(self, token: str, *, header: str = "Authorization", prefix: str = "Bearer ") -> None:
        self._token, self._header, self._prefix = token, header, prefix

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._token,)

    def auth_flow(self, request: httpx.Request) -> Flow:
        request.headers[self._header] = self._prefix + self._token
        yield request


class BasicAuth(httpx.Auth):
    """HTTP Basic with an API key as the user name (BambooHR: any password, Greenhouse v1: empty).

    Example:
        >>> auth = BasicAuth("api-key-123", "x")
    """

    def __init__(self, username: str, password: str = "") -> None:
        self._username, self._password = username, password
        credentials = f"{username}:{password}".encode()
        self._header = "Basic " + base64.b64encode(credentials).decode("ascii")

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self._username, self._password, self._header[6:]) if s)

    def auth_flow(self, request: httpx.Request) -> Flow:
        request.headers["Authorization"] = self._header
        yield request


def credential_answer(request: httpx.Request, response: httpx.Response, secrets: Sequence[str] = (), *,
                      what: str = "token request") -> Any:
    """The parsed JSON answer of a request that trades credentials for a token or session, or the typed
    error its status says (the mapping in this module's docstring): 429, or a 5xx with a wait hint, is a
    :class:`RateLimitedError`; another 5xx a :class:`TransientConnectorError`; any other failure, or a
    body that is not JSON, an :class:`AuthError`. ``secrets`` are masked in the body the error carries.

    Example:
        >>> login = httpx.Request("POST", "https://erp.example.com/login")
        >>> credential_answer(login, httpx.Response(200, json={"LoginResultType": 1}))
        {'LoginResultType': 1}
        >>> credential_answer(login, httpx.Response(503), what="login")
        Traceback (most recent call last):
        ...
        hub.core.errors.TransientConnectorError: [connector-transient] login POST https://erp.example.com/login failed (503)
    """
    where = f"{what} {request.method} {redact_url(request.url)}"
    body_text = redact_text(response.text, secrets)
    wait = vendor_wait(response.headers, now=time.time())
    if response.status_code == 429 or (response.status_code >= 500 and wait is not None):
        raise RateLimitedError(f"{where} was throttled ({response.status_code})", retry_after=wait,
                               status=response.status_code, body=body_text)
    if response.status_code >= 500:
        raise TransientConnectorError(f"{where} failed ({response.status_code})",
                                      status=response.status_code, body=body_text)
    if not response.is_success:
        raise AuthError(f"{where} was refused ({response.status_code}); check the credentials",
                        status=response.status_code, body=body_text)
    try:
        return response.json()
    except ValueError:
        raise AuthError(f"{where} answered with a body that is not JSON", body=body_text) from None


class _CachedTokenAuth(httpx.Auth, ABC):
    """Shared flow for authenticators that trade credentials for an expiring access token.

    Subclasses say how to build the token request (:meth:`_token_request`), where the token and its
    lifetime are in the answer (``token_path``, ``expires_in_path``, ``expires_at_path``) and how to
    put the token on a request (:meth:`_apply`).

    Concurrency: the cached token is read and written under a lock; two threads that find it stale
    at the same moment may both fetch one, which vendors allow, and a thread whose 401 was already
    answered by another thread's refresh reuses that token instead of fetching again.
    """

    requires_response_body = True

    def __init__(
        self,
        *,
        token_path: str,
        expires_in_path: str | None,
        expires_at_path: str | None,
        skew: float,
        timeout: float,
        clock: Callable[[], float],
        refresh_codes: Sequence[Any] = (),
        code_path: str = "code",
    ) -> None:
        self._token_path = token_path
        self._expires_in_path, self._expires_at_path = expires_in_path, expires_at_path
        self._skew, self._timeout, self._clock = skew, timeout, clock
        self._refresh_codes = frozenset(str(code) for code in refresh_codes)
        self._code_path = code_path
        self._lock = threading.Lock()
        self._token: str | None = None
        self._valid_until = 0.0

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (*self._credentials(), self._token) if s)

    def auth_flow(self, request: httpx.Request) -> Flow:
        token = self._fresh_token()
        if token is None:
            token = yield from self._fetch()
        self._apply(request, token)
        response = yield request
        if response.status_code == 401 or self._says_stale(response):
            token = self._token_other_than(token) or (yield from self._fetch())
            self._apply(request, token)
            yield request

    def _says_stale(self, response: httpx.Response) -> bool:
        """The answer's body carries one of ``refresh_codes`` (any HTTP status): the token is stale.

        The body is searched for the code's digits before it is parsed, so the answers of every
        other request (a sync's pages) are not parsed twice.
        """
        if not self._refresh_codes or not any(code.encode() in response.content for code in self._refresh_codes):
            return False
        try:
            body = response.json()
        except ValueError:
            return False
        code = select(body, self._code_path) if isinstance(body, dict) else None
        return code is not None and str(code) in self._refresh_codes

    # -- hooks for subclasses

    @abstractmethod
    def _token_request(self) -> httpx.Request:
        """The request that fetches a new token."""

    @abstractmethod
    def _credentials(self) -> Sequence[str]:
        """The long-lived secrets to mask (the current token is added by :attr:`secrets`)."""

    @abstractmethod
    def _apply(self, request: httpx.Request, token: str) -> None:
        """Put the token on the request."""

    # -- the cache

    def _fresh_token(self) -> str | None:
        with self._lock:
            return self._token if self._token and self._clock() < self._valid_until else None

    def _token_other_than(self, stale: str) -> str | None:
        token = self._fresh_token()
        return token if token != stale else None

    def _fetch(self) -> Generator[httpx.Request, httpx.Response, str]:
        token_request = self._token_request()
        token_request.extensions["timeout"] = httpx.Timeout(self._timeout).as_dict()
        response = yield token_request
        token, valid_until = self._parse(token_request, response)
        with self._lock:
            self._token, self._valid_until = token, valid_until
        return token

    def _parse(self, request: httpx.Request, response: httpx.Response) -> tuple[str, float]:
        body = credential_answer(request, response, self.secrets, what="token request")
        token = select(body, self._token_path)
        if not isinstance(token, str) or not token:
            raise AuthError(f"token request {request.method} {redact_url(request.url)} answered without "
                            f"{self._token_path!r}", status=response.status_code,
                            body=redact_text(response.text, self.secrets))  # fmt: skip
        return token, self._valid_until_from(body)

    def _valid_until_from(self, body: Any) -> float:
        """Absolute expiry minus the skew; a token without a stated lifetime lives until a 401."""
        now = self._clock()
        expires_in = _number(select(body, self._expires_in_path)) if self._expires_in_path else None
        if expires_in is not None:
            expires_at: float | None = now + expires_in
        else:
            expires_at = _timestamp(select(body, self._expires_at_path)) if self._expires_at_path else None
        if expires_at is None:
            return float("inf")
        lifetime = expires_at - now
        return expires_at - min(self._skew, max(lifetime, 0) / 2)


def _number(value: Any) -> float | None:
    """A number from a JSON number or numeric string; None for anything else."""
    try:
        return float(value) if isinstance(value, (int, float, str)) else None
    except ValueError:
        return None


def _timestamp(value: Any) -> float | None:
    """Unix time from an epoch number or an ISO 8601 string (Greenhouse ``expires_at``)."""
    if _number(value) is not None:
        return _number(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


class OAuth2ClientCredentials(_CachedTokenAuth):
    """OAuth 2.0 client-credentials grant with HTTP Basic client authentication (RFC 6749 §4.4).

    Greenhouse Harvest v3: ``POST https://auth.greenhouse.io/token`` with
    ``grant_type=client_credentials&sub=<user id>``. The token is cached until ``expires_in`` (or an
    ISO 8601/epoch ``expires_at``) minus ``skew`` seconds, and refreshed once on a 401.

    Args:
        token_url: the token endpoint.
        client_id: sent as the Basic user name (or a form field if ``client_auth="body"``).
        client_secret: sent as the Basic password (or a form field).
        scope: optional ``scope`` form field.
        extra: more form fields, e.g. ``{"sub": "4711"}``.
        client_auth: ``"basic"`` (default) or ``"body"``.
        skew: seconds before expiry at which the token counts as stale.
        timeout: seconds for the token request.
        clock: Unix time, injectable for tests.

    Example:
        >>> auth = OAuth2ClientCredentials("https://auth.greenhouse.io/token", "cid", "csecret",
        ...                                extra={"sub": "4711"})
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        extra: Mapping[str, str] | None = None,
        client_auth: str = "basic",
        skew: float = 60.0,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if client_auth not in ("basic", "body"):
            raise ConfigError(f"client_auth must be 'basic' or 'body', not {client_auth!r}")
        super().__init__(token_path="access_token", expires_in_path="expires_in", expires_at_path="expires_at",
                         skew=skew, timeout=timeout, clock=clock)
        self._url, self._client_id, self._client_secret = token_url, client_id, client_secret
        self._scope, self._extra, self._client_auth = scope, dict(extra or {}), client_auth

    def _credentials(self) -> Sequence[str]:
        return (self._client_secret,)

    def _token_request(self) -> httpx.Request:
        form = {"grant_type": "client_credentials", **({"scope": self._scope} if self._scope else {}), **self._extra}
        headers = {"Accept": "application/json"}
        if self._client_auth == "basic":
            pair = f"{self._client_id}:{self._client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        else:
            form.update(client_id=self._client_id, client_secret=self._client_secret)
        return httpx.Request("POST", self._url, data=form, headers=headers)

    def _apply(self, request: httpx.Request, token: str) -> None:
        request.headers["Authorization"] = f"Bearer {token}"


class OAuth2RefreshToken(_CachedTokenAuth):
    """OAuth 2.0 refresh-token grant (RFC 6749 §6) for APIs whose refresh tokens rotate (Gusto).

    The access token is fetched with ``grant_type=refresh_token`` when there is none, when it is
    past ``expires_in`` minus ``skew``, and once on a 401; the answer's ``refresh_token``, when it
    differs from the one sent, replaces it (the old one is spent: Gusto's are single-use) and is
    handed to ``on_rotate`` so the caller can keep it across runs. Every refresh token seen stays
    among :attr:`secrets`, so none is ever written to an error or a log.

    Args:
        token_url: the token endpoint.
        client_id: sent in the body.
        client_secret: sent in the body.
        refresh_token: the refresh token to start from (the newest one kept).
        redirect_uri: sent as ``redirect_uri`` when given (Gusto documents it as optional).
        body: ``"json"`` (Gusto's documented token request) or ``"form"`` (RFC 6749's).
        on_rotate: called with each new refresh token, under the lock, before it is used.
        skew: seconds before expiry at which the token counts as stale.
        timeout: seconds for the token request.
        clock: Unix time, injectable for tests.

    Example:
        >>> kept = []
        >>> auth = OAuth2RefreshToken("https://api.gusto.com/oauth/token", "cid", "csecret", "rt-1",
        ...                           on_rotate=kept.append)
        >>> auth.refresh_token
        'rt-1'
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        redirect_uri: str | None = None,
        body: str = "json",
        on_rotate: Callable[[str], None] | None = None,
        skew: float = 60.0,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if body not in ("json", "form"):
            raise ConfigError(f"body must be 'json' or 'form', not {body!r}")
        super().__init__(token_path="access_token", expires_in_path="expires_in", expires_at_path=None,
                         skew=skew, timeout=timeout, clock=clock)
        self._url, self._client_id, self._client_secret = token_url, client_id, client_secret
        self._refresh, self._seen = refresh_token, [refresh_token]
        self._redirect_uri, self._body, self._on_rotate = redirect_uri, body, on_rotate

    @property
    def refresh_token(self) -> str:
        """The refresh token the next token request sends."""
        with self._lock:
            return self._refresh

    def _credentials(self) -> Sequence[str]:
        return (self._client_secret, *self._seen)

    def _token_request(self) -> httpx.Request:
        fields = {"client_id": self._client_id, "client_secret": self._client_secret,
                  "grant_type": "refresh_token", "refresh_token": self.refresh_token,
                  **({"redirect_uri": self._redirect_uri} if self._redirect_uri else {})}
        headers = {"Accept": "application/json"}
        if self._body == "json":
            return httpx.Request("POST", self._url, json=fields, headers=headers)
        return httpx.Request("POST", self._url, data=fields, headers=headers)

    def _parse(self, request: httpx.Request, response: httpx.Response) -> tuple[str, float]:
        token, valid_until = super()._parse(request, response)
        rotated = select(response.json(), "refresh_token")
        if isinstance(rotated, str) and rotated:
            with self._lock:
                if rotated != self._refresh:
                    self._seen.append(rotated)
                    self._refresh = rotated
                    if self._on_rotate is not None:
                        self._on_rotate(rotated)
        return token, valid_until

    def _apply(self, request: httpx.Request, token: str) -> None:
        request.headers["Authorization"] = f"Bearer {token}"


class AppTokenAuth(_CachedTokenAuth):
    """App key + secret traded for an expiring access token, configurable for Chinese suites.

    One class covers the "app token" family; the classmethods preset it:

    * :meth:`dingtalk` — ``GET gettoken?appkey=&appsecret=`` → ``access_token``, ``expires_in``;
      the token goes in the ``access_token`` query parameter.
    * :meth:`feishu` — ``POST tenant_access_token/internal`` with ``{"app_id", "app_secret"}`` →
      ``tenant_access_token``, ``expire``; sent as ``Authorization: Bearer``.

    Args:
        token_url: the token endpoint.
        method: ``"GET"`` or ``"POST"``.
        params: query parameters of the token request.
        json: JSON body of the token request.
        form: form body (``application/x-www-form-urlencoded``) of the token request, for vendors that
            take the credentials as form fields under their own names (Beisen: ``app_id``, ``secret``,
            ``tenant_id``).
        token_path: dotted path of the token in the answer.
        expires_in_path: dotted path of the lifetime in seconds (None: lives until a 401).
        query_param: put the token in this query parameter instead of a header.
        header: the header carrying the token when ``query_param`` is None.
        prefix: text before the token in that header.
        skew: seconds before expiry at which the token counts as stale.
        timeout: seconds for the token request.
        clock: Unix time, injectable for tests.
        refresh_codes: codes at ``code_path`` in an answer's body that mean "this token is no
            longer valid": the token is fetched again and the request sent once more, as on a 401.
        code_path: the dotted path of that code.

    Values in ``params``/``json``/``form`` under credential-like names (``appsecret``, ``app_secret``…)
    are treated as secrets and masked in errors.

    Example:
        >>> auth = AppTokenAuth.dingtalk("ding-key", "ding-secret")
        >>> auth = AppTokenAuth.feishu("cli_a1", "feishu-secret")
    """

    def __init__(
        self,
        token_url: str,
        *,
        method: str = "POST",
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        token_path: str = "access_token",
        expires_in_path: str | None = "expires_in",
        query_param: str | None = None,
        header: str = "Authorization",
        prefix: str = "Bearer ",
        skew: float = 60.0,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
        refresh_codes: Sequence[Any] = (),
        code_path: str = "code",
    ) -> None:
        super().__init__(token_path=token_path, expires_in_path=expires_in_path, expires_at_path=None,
                         skew=skew, timeout=timeout, clock=clock, refresh_codes=refresh_codes, code_path=code_path)
        self._url, self._method = token_url, method
        self._params, self._json = dict(params or {}), (dict(json) if json is not None else None)
        self._form = dict(form) if form is not None else None
        self._query_param, self._header, self._prefix = query_param, header, prefix

    @classmethod
    def dingtalk(
        cls, app_key: str, app_secret: str, *, token_url: str = DINGTALK_TOKEN_URL, **kwargs: Any
    ) -> AppTokenAuth:
        """DingTalk legacy ``oapi`` token, sent as ``?access_token=``."""
        return cls(token_url, method="GET", params={"appkey": app_key, "appsecret": app_secret},
                   token_path="access_token", expires_in_path="expires_in", query_param="access_token", **kwargs)

    @classmethod
    def feishu(
        cls, app_id: str, app_secret: str, *, token_url: str = FEISHU_TOKEN_URL, **kwargs: Any
    ) -> AppTokenAuth:
        """Feishu / Lark self-built app ``tenant_access_token``, sent as ``Authorization: Bearer``;
        refreshed on a 401 and on the codes Feishu answers a stale or missing token with
        (:data:`FEISHU_TOKEN_CODES`). Lark: ``token_url`` on ``open.larksuite.com``."""
        kwargs.setdefault("refresh_codes", FEISHU_TOKEN_CODES)
        return cls(token_url, method="POST", json={"app_id": app_id, "app_secret": app_secret},
                   token_path="tenant_access_token", expires_in_path="expire", **kwargs)

    def _credentials(self) -> Sequence[str]:
        fields = {**self._params, **(self._json or {}), **(self._form or {})}
        return tuple(str(v) for k, v in fields.items() if is_sensitive_name(k) and v)

    def _token_request(self) -> httpx.Request:
        return httpx.Request(self._method, self._url, params=self._params, json=self._json, data=self._form)

    def _apply(self, request: httpx.Request, token: str) -> None:
        if self._query_param:
            request.url = request.url.copy_set_param(self._query_param, token)
        else:
            request.headers[self._header] = self._prefix + token


class HmacSigningAuth(httpx.Auth):
    """Signs every request with HMAC-SHA256 over a canonical string of its parts.

    The canonical string joins the chosen ``parts`` with ``separator``. Known parts: ``method``,
    ``path`` (path and query as sent), ``timestamp``, ``nonce``, ``body`` (raw bytes),
    ``body_sha256`` (hex digest of the body) and ``key_id``. A retried request is signed afresh
    with a new timestamp and nonce.

    Args:
        key_id: the public key id, sent in ``key_id_header``.
        secret: the signing secret.
        parts: the canonical string's parts, in order.
        separator: what joins the parts.
        signature_header / key_id_header / timestamp_header / nonce_header: header names; None
            leaves that header out.
        timestamp_ms: milliseconds instead of seconds.
        encoding: ``"hex"`` or ``"base64"`` signature text.
        clock: Unix time, injectable for tests.
        nonce: nonce factory, injectable for tests.

    Example:
        >>> auth = HmacSigningAuth("key-1", "s3cr3t", parts=("method", "path", "timestamp", "body_sha256"))
    """

    requires_request_body = True
    _PARTS = frozenset({"method", "path", "timestamp", "nonce", "body", "body_sha256", "key_id"})

    def __init__(
        self,
        key_id: str,
        secret: str | bytes,
        *,
        parts: Sequence[str] = ("method", "path", "timestamp", "nonce", "body"),
        separator: str = "\n",
        signature_header: str = "X-Signature",
        key_id_header: str | None = "X-Key-Id",
        timestamp_header: str | None = "X-Timestamp",
        nonce_header: str | None = "X-Nonce",
        timestamp_ms: bool = False,
        encoding: str = "hex",
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        unknown = set(parts) - self._PARTS
        if unknown or encoding not in ("hex", "base64"):
            raise ConfigError(f"unknown signing parts {sorted(unknown)} or encoding {encoding!r}")
        self._key_id, self._secret = key_id, secret.encode() if isinstance(secret, str) else secret
        self._parts, self._separator = tuple(parts), separator.encode()
        self._headers = {"signature": signature_header, "key_id": key_id_header,
                         "timestamp": timestamp_header, "nonce": nonce_header}
        self._timestamp_ms, self._encoding, self._clock, self._nonce = timestamp_ms, encoding, clock, nonce

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._secret.decode("utf-8", "replace"),)

    def canonical(self, request: httpx.Request, timestamp: str, nonce: str) -> bytes:
        """The exact bytes that are signed; public so vendor docs' examples can be checked."""
        body = request.content
        values = {
            "method": request.method.encode(),
            "path": request.url.raw_path,
            "timestamp": timestamp.encode(),
            "nonce": nonce.encode(),
            "body": body,
            "body_sha256": hashlib.sha256(body).hexdigest().encode(),
            "key_id": self._key_id.encode(),
        }
        return self._separator.join(values[part] for part in self._parts)

    def auth_flow(self, request: httpx.Request) -> Flow:
        timestamp = str(int(self._clock() * (1000 if self._timestamp_ms else 1)))
        nonce = self._nonce()
        digest = hmac.new(self._secret, self.canonical(request, timestamp, nonce), hashlib.sha256).digest()
        signature = digest.hex() if self._encoding == "hex" else base64.b64encode(digest).decode("ascii")
        values = {"signature": signature, "key_id": self._key_id, "timestamp": timestamp, "nonce": nonce}
        for part, header in self._headers.items():
            if header:
                request.headers[header] = values[part]
        yield request
