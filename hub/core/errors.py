"""The one exception tree of the hub.

Every error the hub raises on purpose derives from :class:`HubError`. Foreign exceptions (httpx,
SQLAlchemy, cryptography, pydantic) are translated at the boundary where they occur, so callers only
ever need to catch hub types::

    HubError                         code="hub-error"
    ├── ConfigError                  hub.yaml or CLI arguments are wrong            (permanent)
    ├── PluginError                  a plugin failed to load or returned bad data   (permanent)
    ├── RecordError                  one record is bad; the run goes on             (permanent)
    │   ├── ModelValidationError     canonical model validation failed
    │   ├── MappingError             a mapping could not produce a field
    │   ├── DuplicateRecordError     a second record claims an identity already seen in the same input
    │   ├── MissingReferenceError    a record points at a record that is neither in the input nor stored
    │   └── SuspectValueError        a value that parses but looks damaged: mojibake, cut at a width
    ├── MappingCompileError          a mapping file is wrong (file, line)           (permanent)
    ├── CryptoError                                                                 (permanent)
    │   ├── KeyNotFoundError         a key id in a token is not in the key ring
    │   └── DecryptionError          wrong key, tampered or moved ciphertext
    ├── StoreError                   the store refused an operation
    ├── ConnectorError               talking to a vendor system failed
    │   ├── TransientConnectorError  timeouts, connection errors, 429, 5xx     (transient: retried)
    │   │   └── RateLimitedError     429 / vendor throttling, carries retry_after
    │   │   └── WriteConflictError   the target changed under a write; re-read and retry
    │   ├── PermanentConnectorError  4xx other than 429, vendor error bodies   (permanent)
    │   │   └── AuthError            401/403 after a token refresh
    │   └── MalformedPageError       a page that cannot be parsed; never half-applied (permanent)
    ├── WebhookRefusedError          an incoming webhook is refused; ``http_status`` is the answer (permanent)
    │   ├── WebhookVerificationError its signature or timestamp is wrong                     (401)
    │   ├── WebhookReplayError       its delivery id was received before                     (409)
    │   └── WebhookTooLargeError     its body is over the connector's limit, refused unread  (413)
    ├── ApiRequestError              the HTTP service refuses a request; ``http_status`` is the answer
    │   ├── UnauthenticatedError     no token, an unknown, expired or revoked one                 (401)
    │   ├── ForbiddenError           the token's role may not use this endpoint or kind           (403)
    │   ├── NotFoundError            no such record, or none the token may see (the same answer)  (404)
    │   ├── BadRequestError          a bad cursor, filter or parameter                            (400)
    │   ├── PayloadTooLargeError     the request body is over the service's limit                 (413)
    │   ├── TooManyRequestsError     the token's rate limit is spent; carries retry_after         (429)
    │   └── ServiceUnavailableError  the server cannot serve this now (a connector misconfigured)  (503)
    ├── ReconciliationError          what a migration wrote differs from what it read  (permanent)
    ├── SourceChangedError           a migration's source moved under its checkpoint; no resume (permanent)
    └── UnreadableFileError          an input file is missing, of unknown format or undecodable (permanent)
        ├── UnsafeFileError          refused before parsing: zip bomb, hostile entry names, too deep
        └── MissingColumnsError      an export lacks a column its mappings require; no row is read

The retry policy keys on the :class:`Transient` / :class:`Permanent` mixins, never on strings.

Every error carries a stable kebab-case ``code`` and optional context: ``system``, ``stream``,
``entity``, ``record_id``, ``field_path``, ``value`` and ``reason``. A ``value`` is already masked by
the raiser when the field holds PII (see :func:`mask`); the message is built from the context so logs
and dead letters read the same everywhere.

Example:
    >>> err = MappingError("not a valid date", system="beisen", entity="assessment",
    ...                    record_id="r-1", field_path="completed_at", value="2024-13-01")
    >>> str(err)
    "[mapping-error] beisen assessment r-1 field 'completed_at': not a valid date (value '2024-13-01')"
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "HubError",
    "Transient",
    "Permanent",
    "ConfigError",
    "PluginError",
    "RecordError",
    "ModelValidationError",
    "RejectedByValidatorError",
    "MappingError",
    "MappingCompileError",
    "CryptoError",
    "KeyNotFoundError",
    "DecryptionError",
    "StoreError",
    "ConnectorError",
    "TransientConnectorError",
    "RateLimitedError",
    "PermanentConnectorError",
    "AuthError",
    "MalformedPageError",
    "WebhookRefusedError",
    "WebhookVerificationError",
    "WebhookReplayError",
    "WebhookTooLargeError",
    "ApiRequestError",
    "UnauthenticatedError",
    "ForbiddenError",
    "NotFoundError",
    "BadRequestError",
    "PayloadTooLargeError",
    "TooManyRequestsError",
    "ServiceUnavailableError",
    "DuplicateRecordError",
    "UnreadableFileError",
    "UnsafeFileError",
    "MissingColumnsError",
    "MissingReferenceError",
    "SuspectValueError",
    "ReconciliationError",
    "SourceChangedError",
    "mask",
    "run_ending",
]

_CONTEXT_FIELDS = ("system", "stream", "entity", "record_id", "field_path", "value")


def mask(value: Any) -> str:
    """Mask a PII value for messages: keep at most the last 4 characters.

    Short values are masked entirely so that nothing identifying is left.

    Example:
        >>> mask("11010519491231002X")
        '**************002X'
        >>> mask("abc")
        '***'
        >>> mask(["13800138000", "a@example.com"])
        '[*******8000, *********.com]'
    """
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(mask(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {mask(item)}" for key, item in value.items()) + "}"
    text = str(value)
    if len(text) <= 6:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


def run_ending(error: BaseException) -> dict[str, str]:
    """How a run that ``error`` ended is recorded: ``interrupted`` (Ctrl-C), else ``failed``, with the
    error — a hub error's own message, masked where it was raised; of any other only its type, whose
    text may quote anything (a row, a value).

    Example:
        >>> run_ending(KeyboardInterrupt())
        {'status': 'interrupted', 'error': 'KeyboardInterrupt'}
        >>> run_ending(ValueError("bad value 11010519491231002X"))
        {'status': 'failed', 'error': 'ValueError'}
    """
    status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
    return {"status": status, "error": str(error) if isinstance(error, HubError) else type(error).__name__}


class Transient:
    """Marker mixin: the operation may succeed if retried (timeouts, 429, 5xx)."""


class Permanent:
    """Marker mixin: retrying will not help; the input or configuration must change."""


class HubError(Exception):
    """Root of every error the hub raises on purpose.

    Args:
        reason: what went wrong, in plain words, ideally with what to do next.
        **context: ``system``, ``stream``, ``entity``, ``record_id``, ``field_path``, ``value``
            (masked by the caller if PII) and any extra keys, kept in :attr:`context`.
    """

    code = "hub-error"

    def __init__(self, reason: str, **context: Any) -> None:
        self.reason = reason
        self.context = {k: v for k, v in context.items() if v is not None}
        for name in _CONTEXT_FIELDS:
            setattr(self, name, self.context.get(name))
        super().__init__(self._render())

    def _render(self) -> str:
        where = " ".join(
            str(self.context[k]) for k in ("system", "stream", "entity", "record_id") if k in self.context
        )
        parts = [f"[{self.code}]"]
        if where:
            parts.append(where)
        if "field_path" in self.context:
            parts.append(f"field '{self.context['field_path']}':")
        elif where:
            parts[-1] += ":"
        parts.append(self.reason)
        if "value" in self.context:
            parts.append(f"(value {self.context['value']!r})")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe description for dead letters, reports and API responses."""
        return {"code": self.code, "reason": self.reason, **{k: str(v) for k, v in self.context.items()}}

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle every subclass the same way, whatever its ``__init__`` takes: errors raised in a
        producer process (:mod:`hub.core.forked`) arrive in the parent whole."""
        return (_restore_error, (type(self), self.args, self.__dict__.copy()))


def _restore_error(cls: type[HubError], args: tuple[Any, ...], state: dict[str, Any]) -> HubError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ConfigError(HubError, Permanent):
    code = "config-error"


class PluginError(HubError, Permanent):
    code = "plugin-error"


class RecordError(HubError, Permanent):
    """One record is bad. It goes to dead letters and the run continues."""

    code = "record-error"


class ModelValidationError(RecordError):
    code = "model-validation-error"


class RejectedByValidatorError(ModelValidationError):
    """A plugin's record validator (``hub_register_validators``) refused a record the canonical model
    accepted. Its code stays the model's: to whoever reads a dead letter both say "the record is not
    valid"; ``kind`` lets a migration report name the fix (the plugin's reason)."""

    kind = "rejected_by_validator"


class MappingError(RecordError):
    code = "mapping-error"


class MappingCompileError(HubError, Permanent):
    """A mapping file cannot be compiled; ``file`` and ``line`` point at the problem."""

    code = "mapping-compile-error"

    def __init__(self, reason: str, *, file: str | None = None, line: int | None = None, **context: Any):
        self.file, self.line = file, line
        location = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(location + reason, file=file, line=line, **context)


class CryptoError(HubError, Permanent):
    code = "crypto-error"


class KeyNotFoundError(CryptoError):
    code = "key-not-found"


class DecryptionError(CryptoError):
    code = "decryption-failed"


class KeyRingMismatchError(CryptoError):
    """The key ring is not the one the store was written with: refused before anything is read or written."""

    code = "key-ring-mismatch"


class StoreError(HubError):
    code = "store-error"


class ConnectorError(HubError):
    """Talking to a vendor system failed. ``status`` and ``body`` hold the vendor's answer if any."""

    code = "connector-error"

    def __init__(self, reason: str, *, status: int | None = None, body: str | None = None, **context: Any):
        self.status, self.body = status, body
        super().__init__(reason, status=status, body=body, **context)


class TransientConnectorError(ConnectorError, Transient):
    code = "connector-transient"


class RateLimitedError(TransientConnectorError):
    """The vendor asked us to slow down; ``retry_after`` is seconds to wait, if it said."""

    code = "rate-limited"

    def __init__(self, reason: str, *, retry_after: float | None = None, **context: Any):
        self.retry_after = retry_after
        super().__init__(reason, retry_after=retry_after, **context)


class PermanentConnectorError(ConnectorError, Permanent):
    code = "connector-permanent"


class AuthError(PermanentConnectorError):
    code = "auth-failed"


class MalformedPageError(ConnectorError, Permanent):
    code = "malformed-page"


class WebhookRefusedError(HubError, Permanent):
    """An incoming webhook is refused and nothing of it is stored. ``http_status`` is what a receiver
    answers the vendor: a vendor retries on 5xx and timeouts, so a refusal must be a 4xx it can tell apart."""

    code = "webhook-refused"
    http_status = 400


class WebhookVerificationError(WebhookRefusedError):
    """An incoming webhook failed verification (signature, timestamp or missing headers); reject it."""

    code = "webhook-verification-failed"
    http_status = 401


class WebhookReplayError(WebhookRefusedError):
    """A webhook whose delivery id (Greenhouse-Event-ID, Standard Webhooks ``webhook-id``) the hub has
    received before: a vendor's retry of a delivery already stored, or a captured request sent again."""

    code = "webhook-replay"
    http_status = 409


class WebhookTooLargeError(WebhookRefusedError):
    """A webhook body over the connector's ``webhook_max_bytes``, refused before its signature is
    computed over it (hashing an unbounded body is work anyone can make the hub do)."""

    code = "webhook-too-large"
    http_status = 413


class ApiRequestError(HubError, Permanent):
    """The HTTP service refuses a request. ``http_status`` is the answer; the JSON body is
    :meth:`HubError.to_dict`, so a client reads the same ``code`` and ``reason`` as a log does.
    Nothing in one names a record outside the caller's scope (hub.core.access)."""

    code = "bad-request"
    http_status = 400


class UnauthenticatedError(ApiRequestError):
    code = "unauthenticated"
    http_status = 401


class ForbiddenError(ApiRequestError):
    code = "forbidden"
    http_status = 403


class NotFoundError(ApiRequestError):
    """No such record, or one outside the token's scope: the two answers are the same on purpose."""

    code = "not-found"
    http_status = 404


class BadRequestError(ApiRequestError):
    code = "bad-request"
    http_status = 400


class PayloadTooLargeError(ApiRequestError):
    code = "payload-too-large"
    http_status = 413


class TooManyRequestsError(ApiRequestError):
    """The token's request budget is spent; ``retry_after`` (seconds) is sent as ``Retry-After``."""

    code = "too-many-requests"
    http_status = 429

    def __init__(self, reason: str, *, retry_after: float, **context: Any) -> None:
        self.retry_after = retry_after
        super().__init__(reason, **context)


class ServiceUnavailableError(ApiRequestError):
    """The server cannot serve this request until its operator acts (a connector's hub.yaml settings
    are wrong). A 5xx on purpose: a vendor retries it later, so its webhooks are not lost meanwhile."""

    code = "service-unavailable"
    http_status = 503


class DuplicateRecordError(RecordError):
    """A record repeats an identity (e.g. a national id) that an earlier record of the same input has
    under another external id; the later one is held back so the store never merges two people."""

    code = "duplicate-record"


class UnreadableFileError(HubError, Permanent):
    """An input file cannot be read as a whole: missing, unknown format, or not in its encoding.

    Unlike a :class:`RecordError`, nothing after this point can be read, so the command stops (the
    CLI exits 2). ``stream`` names the file.
    """

    code = "unreadable-file"


class UnsafeFileError(UnreadableFileError):
    """An input file is refused before any parser sees it: a zip bomb, hostile archive entry names,
    or a body too large or too deeply nested to parse safely."""

    code = "unsafe-file"


class MissingColumnsError(UnreadableFileError):
    """An export's header lacks a column its mappings cannot do without (a ``record_id`` or a
    ``required`` rule's source): every row would fail the same way, so the run stops before reading
    one, saying which columns were expected and which were found."""

    code = "missing-columns"


class MissingReferenceError(RecordError):
    """A record references another (an assessment's job, an application's candidate) that the input
    does not hold and the target does not have: written as is, it would dangle."""

    code = "missing-reference"


class SuspectValueError(RecordError):
    """A value that maps cleanly but looks damaged on the way: mis-decoded text (mojibake) or text
    that fills a legacy column width exactly (probably cut)."""

    code = "suspect-value"


class ReconciliationError(HubError, Permanent):
    """What a migration read back from its target differs from what it wrote: a count, or a field's
    checksum over normalized values (truncated or re-encoded on the way)."""

    code = "reconciliation-mismatch"


class SourceChangedError(HubError, Permanent):
    """A migration cannot resume: its source no longer lists the same record at the checkpoint's
    position (records were added or removed upstream since), so skipping to it could lose records."""

    code = "source-changed"


class WriteConflictError(TransientConnectorError):
    """A target refused a write because its record changed since we read it (a version or current-stage
    guard). The writer re-reads before every retry, so a conflict never becomes a blind overwrite; when
    the re-reads run out the delivery is retried later like any transient failure."""

    code = "write-conflict"
