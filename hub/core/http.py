"""The HTTP layer every REST connector talks through.

Connectors never touch httpx or tenacity directly: :class:`HttpClient` sends a request, retries what
may succeed later and turns every failure into one of the hub's own errors, so the sync engine can
decide by type (see :mod:`hub.core.errors`)::

    httpx.TimeoutException, httpx.NetworkError,
    httpx.RemoteProtocolError, httpx.ProxyError  -> TransientConnectorError   retried
    429, or 5xx with Retry-After                  -> RateLimitedError          retried, waits as told
    408, 5xx                                      -> TransientConnectorError   retried
    401, 403 (after the authenticator's refresh)  -> AuthError                 never retried
    other 3xx/4xx                                 -> PermanentConnectorError   never retried
    a body that is not JSON                       -> MalformedPageError        never retried
    bad scheme or URL                             -> ConfigError

Waits use full jitter (uniform in ``[0, min(cap, base * 2**(attempt-1))]``) unless the vendor said
how long to wait. A vendor wait comes from ``Retry-After`` (seconds or HTTP-date) or, failing that,
from a rate-limit reset header (see :func:`parse_rate_limit_reset`) and is honoured exactly. No wait
ever runs past the request's total time budget; a vendor wait longer than what is left gives up at
once with :class:`RateLimitedError` so the caller can reschedule.

Credentials never reach logs or errors: URLs and headers are passed through :func:`redact_url` and
:func:`redact_headers`, vendor bodies through :func:`redact_text`, and httpx's own request log is
filtered the same way.
"""

from __future__ import annotations

import email.utils
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import httpx
import pydantic_core
import tenacity
from pydantic import BaseModel, ConfigDict, Field

from hub.core.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    MalformedPageError,
    PermanentConnectorError,
    RateLimitedError,
    Transient,
    TransientConnectorError,
)
from hub.core.envelope import Envelope
from hub.core.paginators import Paginator, PageRequest, select_records

__all__ = [
    "HttpClient",
    "Page",
    "RetryPolicy",
    "TokenBucket",
    "is_sensitive_name",
    "parse_rate_limit_reset",
    "parse_retry_after",
    "vendor_wait",
    "RESET_HEADERS",
    "redact_headers",
    "redact_text",
    "redact_url",
]

logger = logging.getLogger("hub.http")

MASK = "***"
BODY_LIMIT = 2048
"""Vendor error bodies are cut to this many characters: enough to read, too little to flood logs."""

_SENSITIVE = re.compile(r"auth|cookie|token|secret|key|sign|passw|assertion|credential", re.IGNORECASE)
_JSON_SECRET = re.compile(
    r'("[^"]*(?:token|secret|key|sign|passw|assertion|credential)[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"',
    re.IGNORECASE,
)
_FORM_SECRET = re.compile(
    r"\b([\w.-]*(?:token|secret|key|sign|passw|assertion)[\w.-]*=)[^&\s\"']+", re.IGNORECASE
)
_EPOCH_SECONDS = 1_000_000_000  # 2001-09-09: smaller numbers are a wait in seconds
_EPOCH_MILLIS = 1_000_000_000_000


# ---------------------------------------------------------------- redaction


def is_sensitive_name(name: str) -> bool:
    """True if a header, query parameter or field with this name may carry a credential.

    Deliberately broad (``page_token`` is masked too): a masked cursor costs a little debugging,
    a leaked key costs an incident.
    """
    return bool(_SENSITIVE.search(name))


def redact_url(url: str | httpx.URL) -> str:
    """The URL with credential-like query values and any password replaced by ``***``.

    Everything else is kept byte for byte so the URL stays useful in logs.

    Example:
        >>> redact_url("https://oapi.dingtalk.com/user/get?access_token=abc&userid=7")
        'https://oapi.dingtalk.com/user/get?access_token=***&userid=7'
    """
    text = str(url)
    base, sep, query = text.partition("?")
    scheme, slashes, rest = base.partition("://")
    if slashes and "@" in rest.split("/", 1)[0]:
        userinfo, _, hostpath = rest.partition("@")
        user = userinfo.split(":", 1)[0]
        base = f"{scheme}://{user}:{MASK}@{hostpath}"
    if not sep:
        return base
    query, hash_sep, fragment = query.partition("#")
    pairs = []
    for pair in query.split("&"):
        name, eq, _ = pair.partition("=")
        pairs.append(f"{name}={MASK}" if eq and is_sensitive_name(unquote_plus(name)) else pair)
    return f"{base}?{'&'.join(pairs)}{hash_sep}{fragment}"


def redact_headers(headers: Mapping[str, str] | httpx.Headers) -> dict[str, str]:
    """A plain dict of the headers with credential-like values (Authorization, Cookie, X-Api-Key…) masked.

    Example:
        >>> redact_headers({"Authorization": "Bearer abc", "Accept": "application/json"})
        {'Authorization': '***', 'Accept': 'application/json'}
    """
    return {name: MASK if is_sensitive_name(name) else value for name, value in headers.items()}


def redact_text(text: str, secrets: Iterable[str] = (), *, limit: int = BODY_LIMIT) -> str:
    """Mask known secret values and credential-like JSON/form fields in a vendor body, then truncate.

    Redaction runs before truncation so a secret can never survive half-cut.

    Example:
        >>> redact_text('{"error": "bad", "access_token": "t-1"} key s3cr3t', ["s3cr3t"])
        '{"error": "bad", "access_token": "***"} key ***'
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _JSON_SECRET.sub(rf'\1"{MASK}"', text)
    text = _FORM_SECRET.sub(rf"\1{MASK}", text)
    return text if len(text) <= limit else text[:limit] + f"… [{len(text) - limit} more characters]"


class _RedactHttpxLog(logging.Filter):
    """httpx logs every request URL at INFO; DingTalk-style ``?access_token=`` must not reach the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_url(a) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


def _install_httpx_log_filter() -> None:
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactHttpxLog) for f in httpx_logger.filters):
        httpx_logger.addFilter(_RedactHttpxLog())


# ---------------------------------------------------------------- vendor wait hints


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (RFC 9110 §10.2.3), or None if absent or garbage.

    Args:
        value: either a number of seconds (``"120"``) or an HTTP-date
            (``"Wed, 21 Oct 2015 07:28:00 GMT"``).
        now: the current Unix time, used to turn a date into a delay.

    A date in the past means "now" (0.0); garbage is ignored rather than trusted.

    Example:
        >>> parse_retry_after("120", now=0)
        120.0
        >>> parse_retry_after("Thu, 01 Jan 1970 00:02:00 GMT", now=60)
        60.0
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        return max(0.0, when.timestamp() - now)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


#: Headers read for a wait when a 429/5xx has no ``Retry-After`` (GitHub-style, IETF draft, Feishu's gateway).
#: Where a 2xx body parsed for the envelope check is kept on its response (``httpx.Response.extensions``).
_PARSED = "hub.parsed_body"

RESET_HEADERS = ("X-RateLimit-Reset", "RateLimit-Reset", "X-Ogw-Ratelimit-Reset")


def vendor_wait(headers: Mapping[str, str], *, now: float, reset_headers: Sequence[str] = RESET_HEADERS) -> float | None:
    """Seconds the vendor asked us to wait: ``Retry-After`` first, then the first reset header that
    parses, else None. Data requests and token requests read the same hints.

    Example:
        >>> vendor_wait({"X-RateLimit-Reset": "1700000030"}, now=1_700_000_000)
        30.0
        >>> vendor_wait({"Retry-After": "7", "X-RateLimit-Reset": "30"}, now=0)
        7.0
    """
    wait = parse_retry_after(headers.get("Retry-After"), now=now)
    for name in reset_headers:
        if wait is None:
            wait = parse_rate_limit_reset(headers.get(name), now=now)
    return wait


def parse_rate_limit_reset(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a vendor reset header such as ``X-RateLimit-Reset``.

    Vendors disagree on the unit, so the number itself decides:

    * ``>= 10**12`` — Unix time in milliseconds;
    * ``>= 10**9`` — Unix time in seconds (any moment after 2001-09-09);
    * otherwise — seconds from now (the IETF ``RateLimit-Reset`` meaning).

    A reset in the past means "now" (0.0).

    Example:
        >>> parse_rate_limit_reset("30", now=1_700_000_000)
        30.0
        >>> parse_rate_limit_reset("1700000030", now=1_700_000_000)
        30.0
    """
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    if number >= _EPOCH_MILLIS:
        return max(0.0, number / 1000 - now)
    if number >= _EPOCH_SECONDS:
        return max(0.0, number - now)
    return number


# ---------------------------------------------------------------- policy and rate limiting


class RetryPolicy(BaseModel):
    """How hard to try one request. Every field has a bound, because tenacity's default is "forever".

    Attributes:
        max_attempts: attempts in total, the first one included.
        max_elapsed_seconds: the total time budget for one request, waits included.
        backoff_base: the first full-jitter window in seconds; it doubles per attempt.
        backoff_cap: the largest full-jitter window in seconds.
        requests_per_second: a client-side token bucket; None sends as fast as allowed.

    Example:
        >>> RetryPolicy(max_attempts=3, requests_per_second=10).backoff_cap
        30.0
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(5, ge=1)
    max_elapsed_seconds: float = Field(120.0, gt=0)
    backoff_base: float = Field(0.5, gt=0)
    backoff_cap: float = Field(30.0, gt=0)
    requests_per_second: float | None = Field(None, gt=0)


class TokenBucket:
    """A thread-safe token bucket: at most ``rate`` acquisitions per second, bursts up to ``capacity``.

    Each caller reserves its token under the lock and sleeps outside it, so threads queue fairly and
    never sleep while holding the lock.

    Args:
        rate: tokens added per second.
        capacity: the largest burst; defaults to ``max(1, rate)``.
        clock: a monotonic clock, injectable for tests.
        sleep: the sleep function, injectable for tests.

    Example:
        >>> bucket = TokenBucket(rate=5)
        >>> bucket.acquire()   # the first token is free; returns the seconds slept
        0.0
    """

    def __init__(
        self,
        rate: float,
        *,
        capacity: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ConfigError(f"rate limit must be positive, got {rate}")
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(1.0, rate)
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._tokens = self.capacity
        self._updated = clock()

    def acquire(self) -> float:
        """Take one token, sleeping until it is available; returns the seconds slept."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait:
            self._sleep(wait)
        return wait


# ---------------------------------------------------------------- the client


@dataclass(frozen=True)
class Page:
    """One page from :meth:`HttpClient.paginate`.

    ``next_request`` is what to checkpoint together with the page's records: resuming from it
    fetches exactly the following page.
    """

    request: PageRequest
    response: httpx.Response
    records: list[Any]
    next_request: PageRequest | None


class HttpClient:
    """An httpx client with the hub's retry policy, rate limit, authentication and error mapping.

    Args:
        base_url: prefix for relative request URLs.
        headers: default headers for every request.
        auth: an ``httpx.Auth`` (see :mod:`hub.core.auth`); if it has a ``secrets`` attribute,
            those values are masked in every error body.
        retry: the :class:`RetryPolicy`.
        timeout: seconds (or an ``httpx.Timeout``) per attempt.
        system: the vendor system name, put into every error's context.
        rate_limit_reset_headers: headers read for a wait when a 429/5xx has no ``Retry-After``.
        rate_limiter: a shared :class:`TokenBucket`; by default one is made from
            ``retry.requests_per_second``.
        transport: an httpx transport, for tests or proxies.
        envelope: the vendor's answer envelope (:mod:`hub.core.envelope`): a code in the body that is
            not an ``ok`` one fails the request even on a 2xx.
        error_message_header: the header a vendor names a failed request's reason in, when its body
            does not (BambooHR: ``X-BambooHR-Error-Message``); the text joins the error's reason and
            is kept as its ``vendor_message``.
        sleep: the sleep function used between attempts (inject a fake one in tests).
        clock: a monotonic clock for the time budget.
        wall_clock: Unix time, to read HTTP-dates and epoch reset headers.

    Example:
        >>> client = HttpClient("https://harvest.greenhouse.io", system="greenhouse",
        ...                     retry=RetryPolicy(max_attempts=3))
        >>> client.close()
    """

    def __init__(
        self,
        base_url: str = "",
        *,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout = 30.0,
        system: str | None = None,
        rate_limit_reset_headers: Sequence[str] = RESET_HEADERS,
        rate_limiter: TokenBucket | None = None,
        transport: httpx.BaseTransport | None = None,
        envelope: Envelope | None = None,
        error_message_header: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.system = system
        self._auth = auth
        self._envelope = envelope
        self._error_header = error_message_header
        self._reset_headers = tuple(rate_limit_reset_headers)
        self._sleep, self._clock, self._wall_clock = sleep, clock, wall_clock
        if rate_limiter is None and self.retry.requests_per_second:
            rate_limiter = TokenBucket(self.retry.requests_per_second, clock=clock, sleep=sleep)
        self._limiter = rate_limiter
        self._client = httpx.Client(
            base_url=base_url, headers=headers, auth=auth, timeout=timeout, transport=transport
        )
        _install_httpx_log_filter()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("GET", url, ...)``."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("POST", url, ...)``."""
        return self.request("POST", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request, retrying per the policy; return the 2xx response.

        ``content`` is a body sent byte for byte (a signed one: re-serialised JSON would break its signature).

        Raises:
            TransientConnectorError: retries ran out (``context["attempts"]`` says how many).
            RateLimitedError: the same, for throttling; ``retry_after`` is the vendor's last word.
            AuthError: 401/403 after the authenticator had its chance to refresh.
            PermanentConnectorError: any other non-2xx; ``status`` and a redacted ``body``.
            ConfigError: the URL cannot be requested at all.
        """
        try:
            request = self._client.build_request(
                method, url, params=params, json=json, data=data, content=content, headers=headers
            )
        except httpx.InvalidURL as exc:
            raise ConfigError(f"invalid URL {redact_url(url)}: {exc}", system=self.system) from None
        where = f"{request.method} {redact_url(request.url)}"
        started = self._clock()
        retrying = tenacity.Retrying(
            stop=self._stop(started),
            wait=self._wait(started),
            retry=tenacity.retry_if_exception_type(Transient),
            before_sleep=self._log_retry(where),
            sleep=self._sleep,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                response = self._attempt(request, where, attempt.retry_state.attempt_number)
        return response

    def get_json(self, url: str, **kwargs: Any) -> Any:
        """GET and parse the JSON body; a body that is not JSON is a :class:`MalformedPageError`."""
        return self._json(self.get(url, **kwargs))

    def paginate(
        self,
        url: str,
        paginator: Paginator,
        *,
        method: str = "GET",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        records_path: str | Sequence[str] | None = None,
    ) -> Iterator[Page]:
        """Yield every page of a list endpoint, driving ``paginator`` until it has no next request.

        Args:
            url: the list endpoint.
            paginator: a fresh or reusable :class:`~hub.core.paginators.Paginator`.
            method: usually GET; POST for list APIs that take a JSON body (DingTalk).
            params: filters for the first request (link paginators drop them afterwards).
            json: a JSON body for the first request.
            records_path: where the records are in the body (``"data.items"``); None for a bare array.

        Example:
            >>> for page in client.paginate("/v3/jobs", LinkHeaderPaginator(),
            ...                             params={"per_page": 500}):   # doctest: +SKIP
            ...     store(page.records, checkpoint=page.next_request)
        """
        request: PageRequest | None = paginator.init_request(
            PageRequest(url=url, params=dict(params or {}), json=json)
        )
        while request is not None:
            response = self.request(method, request.url, params=request.params or None, json=request.json)
            records = select_records(self._json(response), records_path)
            paginator.update_state(response, records)
            next_request = paginator.next_request()
            yield Page(request=request, response=response, records=records, next_request=next_request)
            request = next_request

    # -- one attempt

    def _attempt(self, request: httpx.Request, where: str, attempt: int) -> httpx.Response:
        if self._limiter is not None:
            self._limiter.acquire()
        context = {"system": self.system, "attempts": attempt}
        try:
            response = self._client.send(request)
        except httpx.TimeoutException as exc:
            raise TransientConnectorError(f"{where} timed out ({type(exc).__name__})", **context) from None
        except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as exc:
            raise TransientConnectorError(f"{where} failed: {type(exc).__name__}", **context) from None
        except httpx.UnsupportedProtocol:
            raise ConfigError(f"{where}: unsupported URL scheme", system=self.system) from None
        except httpx.HTTPError as exc:
            raise PermanentConnectorError(f"{where} failed: {type(exc).__name__}", **context) from None
        except ConnectorError as exc:  # raised by an authenticator's token request
            exc.context.setdefault("attempts", attempt)
            raise
        failure = self._envelope_failure(response)
        if response.is_success and failure is None:
            return response
        raise self._error_for(response, where, context, failure)

    def _envelope_failure(self, response: httpx.Response) -> tuple[str, str | None] | None:
        """The envelope's ``(code, message)`` of a failed call, None if it worked or has no envelope.

        A 2xx body is parsed here once and kept on the response, so the page reader does not parse it again.
        """
        if self._envelope is None:
            return None
        try:
            body = pydantic_core.from_json(response.content, cache_strings="keys")
        except ValueError:
            return None
        if response.is_success:
            response.extensions[_PARSED] = body
        return self._envelope.failure(body)

    def _error_for(self, response: httpx.Response, where: str, context: dict[str, Any],
                   failure: tuple[str, str | None] | None = None) -> ConnectorError:
        """The typed error of a failed answer: the envelope's code decides where it names one (a 2xx
        with any other failing code is permanent), otherwise the HTTP status."""
        status = response.status_code
        secrets = getattr(self._auth, "secrets", ())
        body = redact_text(response.text, secrets)
        said = f"{where} returned {status} {response.reason_phrase}".rstrip()
        retry_after = self._vendor_wait(response)
        named = response.headers.get(self._error_header) if self._error_header and failure is None else None
        if named and named.strip():
            message = redact_text(named.strip(), secrets)
            said += f": {message}"
            context = {**context, "vendor_message": message}
        if failure is not None:
            code, message = failure[0], None if failure[1] is None else redact_text(failure[1], secrets)
            said += f" with {self.system or 'vendor'} code {code}" + (f": {message}" if message else "")
            context = {**context, "vendor_code": code, "vendor_message": message}
            cls = self._envelope.error_class(code) if self._envelope else None
            if cls is RateLimitedError:
                return RateLimitedError(said, retry_after=retry_after, status=status, body=body, **context)
            if cls is not None:
                return cls(said, status=status, body=body, **context)
            if response.is_success:
                return PermanentConnectorError(said, status=status, body=body, **context)
        if status == 429 or (status >= 500 and retry_after is not None):
            return RateLimitedError(said, retry_after=retry_after, status=status, body=body, **context)
        if status >= 500 or status == 408:
            return TransientConnectorError(said, status=status, body=body, **context)
        if status in (401, 403):
            return AuthError(f"{said}: credentials rejected; check them", status=status, body=body, **context)
        return PermanentConnectorError(said, status=status, body=body, **context)

    def _vendor_wait(self, response: httpx.Response) -> float | None:
        return vendor_wait(response.headers, now=self._wall_clock(), reset_headers=self._reset_headers)

    def _json(self, response: httpx.Response) -> Any:
        """The body parsed: pydantic-core's Rust parser first (pages are parsed on the sync's hot path,
        about three times as fast as ``json``), the standard library for what it leaves (UTF-16/32 bodies).

        Only keys are interned (``cache_strings="keys"``): they repeat in every record of a page, values
        rarely do, and interning every value too made the parse nearly twice as slow (5.9 against
        3.3 µs a Greenhouse application).
        """
        if _PARSED in response.extensions:
            return response.extensions[_PARSED]
        try:
            return pydantic_core.from_json(response.content, cache_strings="keys")
        except ValueError:
            pass
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError):
            where = f"{response.request.method} {redact_url(response.request.url)}"
            raise MalformedPageError(
                f"{where} returned a body that is not JSON",
                status=response.status_code,
                body=redact_text(response.text, getattr(self._auth, "secrets", ())),
                system=self.system,
            ) from None

    # -- tenacity hooks

    def _remaining(self, started: float) -> float:
        return self.retry.max_elapsed_seconds - (self._clock() - started)

    def _stop(self, started: float) -> Callable[[tenacity.RetryCallState], bool]:
        def stop(state: tenacity.RetryCallState) -> bool:
            remaining = self._remaining(started)
            retry_after = getattr(_exception(state), "retry_after", None)
            return (
                state.attempt_number >= self.retry.max_attempts
                or remaining <= 0
                or (retry_after is not None and retry_after > remaining)
            )

        return stop

    def _wait(self, started: float) -> Callable[[tenacity.RetryCallState], float]:
        jitter = tenacity.wait_random_exponential(multiplier=self.retry.backoff_base, max=self.retry.backoff_cap)

        def wait(state: tenacity.RetryCallState) -> float:
            retry_after = getattr(_exception(state), "retry_after", None)
            delay = retry_after if retry_after is not None else jitter(state)
            return max(0.0, min(delay, self._remaining(started)))

        return wait

    def _log_retry(self, where: str) -> Callable[[tenacity.RetryCallState], None]:
        def log(state: tenacity.RetryCallState) -> None:
            exc = _exception(state)
            status = getattr(exc, "status", None) or getattr(exc, "code", type(exc).__name__)
            wait = state.next_action.sleep if state.next_action else 0.0
            logger.info(
                "retrying %s after %s (attempt %d of %d, waiting %.2fs)",
                where, status, state.attempt_number, self.retry.max_attempts, wait,
                extra={"url": where, "status": status, "attempt": state.attempt_number, "wait": wait},
            )

        return log


def _exception(state: tenacity.RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome else None

