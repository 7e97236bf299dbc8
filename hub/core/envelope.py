"""A vendor's answer envelope: where a code in the body, not the HTTP status, says whether a call worked.

Many Chinese suites answer HTTP 200 to a failed call and put the verdict in the body: Feishu
``{"code": 99991663, "msg": "Invalid access token"}``, Moka ``{"code", "msg", "data"}``, Beisen
``{"code": "417", "message": ...}``, DingTalk ``{"errcode", "errmsg"}``. Read as HTTP alone, such an answer
is a success with no records, and a sync would quietly store nothing. A connector declares its envelope
once (:attr:`hub.core.connector.RestConnector.envelope`); :class:`~hub.core.http.HttpClient` checks every
answer against it and raises the same typed errors a failed HTTP status does — retried when the code says
"slow down" or "try again", an :class:`~hub.core.errors.AuthError` when it says the credentials are bad —
with the vendor's code and message in the error's context, so an operator can look the code up.

Codes are compared as text: Beisen sends ``"200"``, Feishu ``0``; both spellings of one code are one code.

Example:
    >>> feishu = Envelope(throttled=(99991400,))
    >>> feishu.failure({"code": 0, "msg": "success", "data": {}}) is None
    True
    >>> feishu.failure({"code": 99991400, "msg": "request trigger frequency limit"})
    ('99991400', 'request trigger frequency limit')
    >>> feishu.error_class("99991400").__name__
    'RateLimitedError'
    >>> Envelope(code="errcode", message="errmsg").failure({"errcode": 40014, "errmsg": "invalid access_token"})
    ('40014', 'invalid access_token')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hub.core.errors import AuthError, ConnectorError, RateLimitedError, TransientConnectorError
from hub.core.paginators import select

__all__ = ["Envelope"]


def _texts(codes: Iterable[Any]) -> frozenset[str]:
    return frozenset(str(code) for code in codes)


@dataclass(frozen=True)
class Envelope:
    """Where a vendor puts its verdict in an answer's body, and what its codes mean.

    Attributes:
        code: the dotted path of the code in the body (``code``, ``errcode``).
        message: the dotted path of the vendor's message (``msg``, ``errmsg``, ``message``).
        ok: the codes of a call that worked.
        throttled: codes meaning "too many requests": a :class:`RateLimitedError`, retried.
        transient: codes meaning "try again later": a :class:`TransientConnectorError`, retried.
        auth: codes meaning the credentials or token are bad: an :class:`AuthError`.

    Any other code is a :class:`PermanentConnectorError` on a 2xx answer; on an error status the
    HTTP status decides, as for a vendor without an envelope. A body without the code (not JSON, not an
    object, or the code missing) is not judged by the envelope at all.
    """

    code: str = "code"
    message: str = "msg"
    ok: Iterable[Any] = (0,)
    throttled: Iterable[Any] = ()
    transient: Iterable[Any] = ()
    auth: Iterable[Any] = ()
    _classes: dict[str, type[ConnectorError]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        classes: dict[str, type[ConnectorError]] = {}
        for codes, cls in ((self.auth, AuthError), (self.transient, TransientConnectorError),
                           (self.throttled, RateLimitedError)):  # fmt: skip
            classes.update(dict.fromkeys(_texts(codes), cls))
        for name in ("ok", "throttled", "transient", "auth"):
            object.__setattr__(self, name, _texts(getattr(self, name)))
        object.__setattr__(self, "_classes", classes)

    def failure(self, body: Any) -> tuple[str, str | None] | None:
        """``(code, message)`` of a body whose code is not an ``ok`` one; None for a body that worked
        or carries no code."""
        code = select(body, self.code) if isinstance(body, dict) else None
        if code is None or isinstance(code, (dict, list)) or str(code) in self.ok:  # type: ignore[operator]
            return None
        message = select(body, self.message)
        return str(code), None if message is None else str(message)

    def error_class(self, code: str) -> type[ConnectorError] | None:
        """The error a code names (throttled, transient, auth); None for a code it does not name."""
        return self._classes.get(code)

