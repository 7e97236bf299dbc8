"""The Kingdee 云星空 WebAPI's addressing and answers, and how it knows the caller: a ``ValidateUser`` session,
or a third-party app's signed headers.

Two ways in, both from the WebAPI specification (金蝶云星空WebAPI接口说明书 V6.0,
https://vip.kingdee.com/article/490771221039228672) and the official SDKs' header code (as read in the
community ports of the Python, Java, .NET and PHP SDKs; docs/connectors/kingdee.md lists them):

* :class:`SessionAuth` — ``POST {server}/Kingdee.BOS.WebApi.ServicesStub.AuthService.ValidateUser.common.kdsvc``
  with ``{acctID, username, password, lcid}``; ``LoginResultType`` 1 is a login, any other value a refusal
  with a ``Message``. The session is the ``kdservice-sessionid`` cookie (also in the answer's body as
  ``KDSVCSessionId``); it is sent as that cookie on every call. A session has no stated lifetime: when
  an answer says it is lost (``ResponseStatus.MsgCode`` in ``session_lost_codes``, 1 by default: "会话信息已丢失，请重新登录")
  the flow logs in again and sends the call once more;
* :class:`SignedHeadersAuth` — 第三方系统登录授权: no login call; each request carries
  ``X-Api-ClientID`` (the AppID before ``_``), ``X-Api-Auth-Version: 2.0``, ``x-api-timestamp``, ``x-api-nonce``,
  ``x-api-signheaders: x-api-timestamp,x-api-nonce``, ``X-Api-Signature`` = Base64 of the hex HMAC-SHA256,
  keyed with the API secret, of ``POST\\n<url-encoded path>\\n\\nx-api-nonce:<n>\\nx-api-timestamp:<t>\\n``;
  and ``X-Kd-Appkey`` (the AppID), ``X-Kd-Appdata`` = Base64 of ``acctId,userName,lcid,orgNum``,
  ``X-Kd-Signature`` = Base64 of the hex HMAC-SHA256, keyed with the AppSecret, of AppID + that text.
  The API secret is the AppID's part after ``_`` (32 characters) Base64-decoded, XOR-ed with the SDKs'
  constant (setting ``app_id_xor_key``) and Base64-encoded again (:func:`api_secret`).

Both expose ``secrets`` (password, AppSecret, session id), which the HTTP client masks in every error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
import uuid
from collections.abc import Callable, Collection, Generator, Mapping, Sequence
from typing import Any
from urllib.parse import quote_plus

import httpx

from hub.core.auth import credential_answer
from hub.core.errors import AuthError, ConfigError
from hub.core.http import redact_text, redact_url

__all__ = ["BATCH_SAVE", "LOGIN", "QUERY", "SAVE", "SESSION_COOKIE", "VIEW", "SessionAuth", "SignedHeadersAuth",
           "api_secret", "error_text", "kd_signature", "response_status", "service_path"]

Flow = Generator[httpx.Request, httpx.Response, None]



def service_path(service: str) -> str:
    """The path of a WebAPI service under the server URL: every call is ``POST {server}/<service>.common.kdsvc``.

    Example:
        >>> service_path("DynamicFormService.ExecuteBillQuery")
        '/Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.ExecuteBillQuery.common.kdsvc'
    """
    return f"/Kingdee.BOS.WebApi.ServicesStub.{service}.common.kdsvc"


LOGIN = service_path("AuthService.ValidateUser")
QUERY = service_path("DynamicFormService.ExecuteBillQuery")
SAVE = service_path("DynamicFormService.Save")
BATCH_SAVE = service_path("DynamicFormService.BatchSave")
VIEW = service_path("DynamicFormService.View")
#: The cookie that carries a WebAPI session.
SESSION_COOKIE = "kdservice-sessionid"
#: ``LoginResultType`` of a login that worked.
LOGGED_IN = 1


def response_status(body: Any) -> dict[str, Any] | None:
    """The ``ResponseStatus`` of a WebAPI answer, wherever the service puts it: ``{"Result":
    {"ResponseStatus": {...}}}`` (Save, View, Audit...) or, from ExecuteBillQuery, a one-row answer
    ``[[{"Result": {"ResponseStatus": {...}}}]]`` in place of the rows. None for an answer without one
    (rows, or a success that sends ``ResponseStatus: null``).

    Example:
        >>> response_status([[{"Result": {"ResponseStatus": {"IsSuccess": False, "MsgCode": 1}}}]])
        {'IsSuccess': False, 'MsgCode': 1}
        >>> response_status([["100001", "Ada"]]) is None
        True
    """
    if isinstance(body, list) and len(body) == 1 and isinstance(body[0], list) and len(body[0]) == 1:
        body = body[0][0]
    result = body.get("Result") if isinstance(body, dict) else None
    status = result.get("ResponseStatus") if isinstance(result, dict) else None
    return status if isinstance(status, dict) else None


def error_text(status: Mapping[str, Any]) -> str | None:
    """The errors of a ``ResponseStatus`` as ``FieldName: Message``, joined by ``; ``.

    Example:
        >>> error_text({"Errors": [{"FieldName": None, "Message": "会话信息已丢失，请重新登录"}]})
        '会话信息已丢失，请重新登录'
    """
    errors = [e for e in status.get("Errors") or () if isinstance(e, dict)]
    parts = [f"{e['FieldName']}: {e.get('Message')}" if e.get("FieldName") else str(e.get("Message")) for e in errors]
    return "; ".join(parts) or None


def kd_signature(message: str, key: str) -> str:
    """The SDKs' signature text: Base64 of the lowercase hex HMAC-SHA256 of ``message`` under ``key``.

    Example:
        >>> kd_signature("m", "k") == base64.b64encode(hmac.new(b"k", b"m", hashlib.sha256).hexdigest().encode()).decode()
        True
    """
    digest = hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()
    return base64.b64encode(digest.encode("ascii")).decode("ascii")


def api_secret(encoded: str, xor_key: str) -> str:
    """The API gateway secret hidden in an AppID's part after ``_``: Base64-decoded, each byte XOR-ed
    with the byte of ``xor_key`` at its position, Base64-encoded again (the Python and Java SDKs).

    Example:
        >>> encoded = base64.b64encode(bytes(24)).decode()          # 32 characters of zero bytes
        >>> api_secret(encoded, "0054f397c6234378b09ca7d3e5debce7") == base64.b64encode(b"0054f397c6234378b09ca7d3").decode()
        True
    """
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise ConfigError("connector 'kingdee': the part of app_id after '_' is not Base64", system="kingdee") from None
    key = xor_key.encode("ascii")
    if len(encoded) != 32 or len(raw) > len(key):
        raise ConfigError("connector 'kingdee': app_id must be <client id>_<32 characters> as the 第三方系统登录授权 "
                          "page gives it", system="kingdee")  # fmt: skip
    return base64.b64encode(bytes(byte ^ key[i] for i, byte in enumerate(raw))).decode("ascii")


class SessionAuth(httpx.Auth):
    """``ValidateUser`` once, the session cookie on every call, a new login when the session is lost.

    Args:
        login_url: the ValidateUser service URL.
        acct_id / username / password / lcid: the data centre (账套) id, the user, the password, the
            language (2052 for simplified Chinese).
        lost_codes: the ``MsgCode`` values of an answer meaning "the session is lost".
        timeout: seconds for the login request.

    Example:
        >>> auth = SessionAuth("https://erp.example.com/k3cloud/x.common.kdsvc", acct_id="1", username="api",
        ...                    password="test-secret-not-real", lcid=2052)
        >>> auth.secrets
        ('test-secret-not-real',)
    """

    requires_response_body = True

    def __init__(self, login_url: str, *, acct_id: str, username: str, password: str, lcid: int,
                 lost_codes: Collection[Any] = (1,), timeout: float = 30.0) -> None:  # fmt: skip
        self._url = login_url
        self._body = {"acctID": acct_id, "username": username, "password": password, "lcid": lcid}
        self._password = password
        self._lost_codes = frozenset(str(code) for code in lost_codes)
        self._timeout = timeout
        self._lock = threading.Lock()
        self._cookies: dict[str, str] | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self._password, *(self._cookies or {}).values()) if s)

    def auth_flow(self, request: httpx.Request) -> Flow:
        cookies = self._session() or (yield from self._login())
        self._apply(request, cookies)
        response = yield request
        if self._says_lost(response):
            with self._lock:
                fresh = self._cookies if self._cookies is not cookies else None
            self._apply(request, fresh or (yield from self._login()))
            yield request

    def _session(self) -> dict[str, str] | None:
        with self._lock:
            return self._cookies

    @staticmethod
    def _apply(request: httpx.Request, cookies: dict[str, str]) -> None:
        request.headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())

    def _says_lost(self, response: httpx.Response) -> bool:
        """The answer's ``ResponseStatus.MsgCode`` is a session-lost one (any HTTP status). Only
        answers mentioning ``MsgCode`` are parsed, so a page of rows is not parsed twice."""
        if b"MsgCode" not in response.content:
            return False
        try:
            status = response_status(response.json())
        except ValueError:
            return False
        return status is not None and str(status.get("MsgCode")) in self._lost_codes

    def _login(self) -> Generator[httpx.Request, httpx.Response, dict[str, str]]:
        login = httpx.Request("POST", self._url, json=self._body)
        login.extensions["timeout"] = httpx.Timeout(self._timeout).as_dict()
        response = yield login
        cookies = self._parse(login, response)
        with self._lock:
            self._cookies = cookies
        return cookies

    def _parse(self, request: httpx.Request, response: httpx.Response) -> dict[str, str]:
        where = f"login {request.method} {redact_url(request.url)}"
        body = credential_answer(request, response, self.secrets, what="login")
        if not isinstance(body, dict):
            raise AuthError(f"{where} answered with no login result", body=redact_text(response.text, self.secrets),
                            system="kingdee")
        if body.get("LoginResultType") != LOGGED_IN:
            raise AuthError(f"{where} was refused: LoginResultType {body.get('LoginResultType')!r}: "
                            f"{redact_text(str(body.get('Message') or ''), self.secrets)}; check acct_id, username and "
                            "password", vendor_code=str(body.get("LoginResultType")), system="kingdee")  # fmt: skip
        cookies = {cookie.name: cookie.value for cookie in response.cookies.jar if cookie.value}
        session = body.get("KDSVCSessionId")
        if SESSION_COOKIE not in cookies and isinstance(session, str) and session:
            cookies[SESSION_COOKIE] = session
        if SESSION_COOKIE not in cookies:
            raise AuthError(f"{where} answered without a {SESSION_COOKIE} session", system="kingdee")
        return cookies


class SignedHeadersAuth(httpx.Auth):
    """The third-party app's nine signed headers on every request, signed afresh (a retry too).

    Args:
        app_id: ``<client id>_<encoded API secret>`` as the authorization page gives it.
        app_secret: the AppSecret.
        acct_id / username / lcid / org_num: what ``X-Kd-Appdata`` names (org 0: the user's default).
        xor_key: the SDKs' constant that hides the API secret in the AppID.
        timestamp_ms: milliseconds (the .NET and Python SDKs) rather than seconds (the JS port).
        clock / nonce: injectable for tests.

    Example:
        >>> auth = SignedHeadersAuth("224466_" + base64.b64encode(bytes(24)).decode(), "test-secret-not-real",
        ...                          acct_id="65f0c0ffee", username="api", lcid=2052, org_num="100",
        ...                          xor_key="0054f397c6234378b09ca7d3e5debce7", clock=lambda: 1717200000.0,
        ...                          nonce=lambda: "n1")
        >>> request = httpx.Request("POST", "https://erp.example.com/k3cloud/S.common.kdsvc")
        >>> headers = next(auth.auth_flow(request)).headers
        >>> headers["X-Api-ClientID"], headers["x-api-timestamp"], base64.b64decode(headers["X-Kd-Appdata"]).decode()
        ('224466', '1717200000000', '65f0c0ffee,api,2052,100')
    """

    def __init__(self, app_id: str, app_secret: str, *, acct_id: str, username: str, lcid: int, org_num: str,
                 xor_key: str, timestamp_ms: bool = True, clock: Callable[[], float] = time.time,
                 nonce: Callable[[], str] = lambda: uuid.uuid4().hex) -> None:  # fmt: skip
        client_id, _, encoded = app_id.partition("_")
        if not client_id or not encoded:
            raise ConfigError("connector 'kingdee': app_id must be <client id>_<32 characters>", system="kingdee")
        self._client_id, self._app_id, self._app_secret = client_id, app_id, app_secret
        self._api_secret = api_secret(encoded, xor_key)
        self._app_data = f"{acct_id},{username},{lcid},{org_num}"
        self._timestamp_ms, self._clock, self._nonce = timestamp_ms, clock, nonce

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._app_secret, self._api_secret, self._app_id.partition("_")[2])

    def canonical(self, request: httpx.Request, timestamp: str, nonce: str) -> str:
        """The text ``X-Api-Signature`` signs: method, the URL-encoded path (``/`` as ``%2F``), the two headers."""
        path = quote_plus(request.url.raw_path.decode("ascii"), safe="")
        return f"POST\n{path}\n\nx-api-nonce:{nonce}\nx-api-timestamp:{timestamp}\n"

    def auth_flow(self, request: httpx.Request) -> Flow:
        timestamp = str(int(self._clock() * (1000 if self._timestamp_ms else 1)))
        nonce = self._nonce()
        headers: Sequence[tuple[str, str]] = (
            ("X-Api-ClientID", self._client_id),
            ("X-Api-Auth-Version", "2.0"),
            ("x-api-timestamp", timestamp),
            ("x-api-nonce", nonce),
            ("x-api-signheaders", "x-api-timestamp,x-api-nonce"),
            ("X-Api-Signature", kd_signature(self.canonical(request, timestamp, nonce), self._api_secret)),
            ("X-Kd-Appkey", self._app_id),
            ("X-Kd-Appdata", base64.b64encode(self._app_data.encode("utf-8")).decode("ascii")),
            ("X-Kd-Signature", kd_signature(self._app_id + self._app_data, self._app_secret)),
        )
        for name, value in headers:
            request.headers[name] = value
        yield request
