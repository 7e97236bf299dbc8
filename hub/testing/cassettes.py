"""Cassettes: recorded with credentials scrubbed, replayed strictly, and checked for what must not be in them.

:func:`scrubbing_vcr` is the vcrpy configuration a connector's cassettes are recorded and replayed
with: credential headers and query values replaced before anything is written, replay-only unless
``HUB_RECORD_CASSETTES=1`` asks for new episodes. :func:`secret_findings` and :func:`people_findings`
read a cassette back and say what slipped through, for the standard suite
(:class:`hub.testing.ConnectorSuite`) to fail on.

Example:
    >>> from pathlib import Path
    >>> scrubbing_vcr(Path("cassettes")).record_mode == "none"    # replay only, unless HUB_RECORD_CASSETTES=1
    True
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import vcr
from vcr.persisters.filesystem import FilesystemPersister
from vcr.serializers import yamlserializer

from hub.core.http import is_sensitive_name
from hub.testing.people import real_looking, texts

__all__ = ["MATCH_ON", "Interaction", "PLACEHOLDER", "interactions", "json_bodies_vcr", "people_findings", "scrubbing_vcr",
           "secret_findings"]

#: What a scrubbed credential reads as; any value containing it counts as scrubbed.
PLACEHOLDER = "<REDACTED>"
#: Headers that carry a credential or a session whatever their value looks like.
_CREDENTIAL_HEADERS = ("authorization", "proxy-authorization", "cookie", "set-cookie")
#: Body fields (JSON or form) holding a credential: access/refresh/id tokens, secrets, passwords, keys.
_CREDENTIAL_FIELD = re.compile(r"token$|secret|passw|api_?key|credential|assertion|private_key", re.IGNORECASE)
_JWT = re.compile(r"eyJ[\w-]{5,}\.[\w-]{5,}")
_AUTH_SCHEME = re.compile(r"^(?:Bearer|Basic|Token|Digest)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Interaction:
    """One recorded request and its response, as plain values."""

    method: str
    uri: str
    request_headers: Mapping[str, list[str]]
    request_body: str
    status: int
    response_headers: Mapping[str, list[str]]
    response_body: str

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    def json(self) -> Any:
        """The response body parsed, or None if it is not JSON."""
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None


def interactions(path: Path) -> list[Interaction]:
    """The interactions of a vcrpy cassette file, in recorded order."""
    requests, responses = FilesystemPersister.load_cassette(str(path), yamlserializer)
    return [Interaction(method=request.method, uri=request.uri, request_headers=_lists(request.headers),
                        request_body=_text(request.body), status=response["status"]["code"],
                        response_headers=_lists(response["headers"]), response_body=_text(response["body"]["string"]))
            for request, response in zip(requests, responses, strict=True)]  # fmt: skip


#: What a replayed request must match: all of it but headers and body (credentials are scrubbed there).
MATCH_ON = ("method", "scheme", "host", "port", "path", "query")


def scrubbing_vcr(folder: Path, *, match_on: Iterable[str] = MATCH_ON,
                  matchers: Mapping[str, Callable[[Any, Any], None]] | None = None) -> vcr.VCR:  # fmt: skip
    """A vcrpy ``VCR`` for ``folder`` that scrubs credentials before a cassette is written.

    Replay only (``record_mode="none"``) unless ``HUB_RECORD_CASSETTES=1``, which records the
    episodes a cassette lacks (``new_episodes``). Credential headers and credential-named query
    values become :data:`PLACEHOLDER`, and so do credential fields of token responses. ``matchers``
    registers a connector's own matchers by name (one that checks credentials on the wire), for
    ``match_on`` to name.
    """
    recording = os.environ.get("HUB_RECORD_CASSETTES") == "1"
    replay = vcr.VCR(
        cassette_library_dir=str(folder), record_mode="new_episodes" if recording else "none", match_on=tuple(match_on),
        filter_headers=[(name, PLACEHOLDER) for name in (*_CREDENTIAL_HEADERS, "x-api-key")],
        before_record_request=_scrub_request, before_record_response=_scrub_response, decode_compressed_response=True,
    )
    for name, matcher in (matchers or {}).items():
        replay.register_matcher(name, matcher)
    return replay


def json_bodies_vcr(folder: Path, *, live_names: Mapping[str, str] | None = None,
                    scrub: Callable[[Any], Any] | None = None) -> vcr.VCR:
    """:func:`scrubbing_vcr` that also matches request bodies, compared as parsed JSON with credential
    fields scrubbed on both sides: for vendors whose calls differ only in a POST body (Kingdee's every
    query is one URL; its pages differ in ``StartRow``), where method, URL and query cannot tell them apart.

    ``live_names`` maps texts a live request sends to those its recording holds (a key derived from a
    hub id the store made up this run); ``scrub`` blanks what else a vendor's body carries as a
    credential where no field name says so (Odoo's ``execute_kw`` key is the third positional argument).

    Example:
        >>> "json_body" in json_bodies_vcr(Path("cassettes")).match_on
        True
    """
    names, extra = dict(live_names or {}), scrub or (lambda body: body)

    def parsed(request: Any, renamed: bool) -> Any:
        text = _text(request.body) if request.body else ""
        try:
            body = extra(_scrub_json(json.loads(text))) if text else None
        except ValueError:
            return text
        return _renamed(body, names) if renamed else body

    def same_json_body(live: Any, recorded: Any) -> None:
        sent, kept = parsed(live, True), parsed(recorded, False)
        assert sent == kept, f"body {sent!r} is not the recorded {kept!r}"

    recorder = scrubbing_vcr(folder, match_on=(*MATCH_ON, "json_body"))
    recorder.register_matcher("json_body", same_json_body)
    return recorder


def _renamed(value: Any, names: Mapping[str, str]) -> Any:
    """``value`` with every text that is a key of ``names`` replaced by its value, at any depth."""
    if isinstance(value, dict):
        return {key: _renamed(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_renamed(item, names) for item in value]
    return names.get(value, value) if isinstance(value, str) and names else value


def secret_findings(path: Path, secrets: Iterable[str] = ()) -> list[str]:
    """What in the cassette at ``path`` is or may be a credential, one line each (empty: scrubbed).

    Args:
        path: the cassette.
        secrets: the values the suite configured the connector with (its secret settings): none of
            them may appear anywhere in the file.
    """
    raw = path.read_text(encoding="utf-8")
    found = [f"{path.name}: a configured secret is recorded" for secret in secrets if secret and secret in raw]
    if _JWT.search(raw):
        found.append(f"{path.name}: a JWT-like token is recorded")
    for number, item in enumerate(interactions(path), 1):
        where = f"{path.name} #{number} {item.method} {urlsplit(item.uri).path}"
        for side, headers in (("request", item.request_headers), ("response", item.response_headers)):
            for name, values in headers.items():
                if (name.lower() in _CREDENTIAL_HEADERS or is_sensitive_name(name)) and not all(map(_scrubbed, values)):
                    found.append(f"{where}: {side} header {name} is not scrubbed")
        for name, value in parse_qsl(urlsplit(item.uri).query):
            if is_sensitive_name(name) and not _scrubbed(value):
                found.append(f"{where}: query parameter {name} is not scrubbed")
        for side, body in (("request", item.request_body), ("response", item.response_body)):
            for name in _unscrubbed_fields(body):
                found.append(f"{where}: {side} body field {name} is not scrubbed")
    return found


def people_findings(path: Path, *, phone_region: str = "US", allowed: Iterable[str] = ()) -> list[str]:
    """Real-looking people in the cassette's URLs and bodies (see :mod:`hub.testing.people`), masked."""
    found: list[str] = []
    for number, item in enumerate(interactions(path), 1):
        values = [item.uri, *_body_texts(item.request_body), *_body_texts(item.response_body)]
        found += [f"{path.name} #{number}: {what}" for what in real_looking(values, phone_region=phone_region,
                                                                             allowed=allowed)]  # fmt: skip
    return found


# ---------------------------------------------------------------- helpers


def _lists(headers: Mapping[str, Any]) -> dict[str, list[str]]:
    return {name: list(value) if isinstance(value, list | tuple) else [value] for name, value in headers.items()}


def _text(body: Any) -> str:
    if body is None:
        return ""
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)


def _scrubbed(value: str) -> bool:
    """A placeholder, masked or empty value (after an auth scheme such as ``Bearer``)."""
    rest = _AUTH_SCHEME.sub("", value).strip()
    return not rest or "REDACTED" in rest or set(rest) == {"*"}


def _fields(body: str) -> Iterator[tuple[str, Any]]:
    """``(name, value)`` of every field of a JSON body (nested) or a form body."""
    try:
        parsed = json.loads(body)
    except ValueError:
        yield from parse_qsl(body) if "=" in body else ()
        return
    stack = [parsed]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            yield from value.items()
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _unscrubbed_fields(body: str) -> list[str]:
    return sorted({name for name, value in _fields(body)
                   if _CREDENTIAL_FIELD.search(str(name)) and isinstance(value, str) and not _scrubbed(value)})


def _body_texts(body: str) -> list[str]:
    try:
        return list(texts(json.loads(body)))
    except ValueError:
        return [body]


def _scrub_request(request: Any) -> Any:
    request.uri = _scrub_query(request.uri)
    if request.body:
        request.body = _scrub_body(_text(request.body)).encode()
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers") or {}
    for name in headers:
        if name.lower() in _CREDENTIAL_HEADERS or is_sensitive_name(name):
            headers[name] = [PLACEHOLDER]
    body = response["body"].get("string")
    if body:
        response["body"]["string"] = _scrub_body(_text(body)).encode()
    return response


def _scrub_query(uri: str) -> str:
    base, sep, query = uri.partition("?")
    if not sep:
        return uri
    pairs = [pair.partition("=") for pair in query.split("&")]
    return base + "?" + "&".join(f"{name}={PLACEHOLDER}" if eq and is_sensitive_name(name) and not _scrubbed(value)
                                 else f"{name}{eq}{value}" for name, eq, value in pairs)  # fmt: skip


def _scrub_body(body: str) -> str:
    """A JSON or form body with its credential fields replaced by :data:`PLACEHOLDER`."""
    try:
        parsed = json.loads(body)
    except ValueError:
        if "=" not in body:
            return body
        return "&".join(f"{name}={PLACEHOLDER}" if _CREDENTIAL_FIELD.search(name) and not _scrubbed(value) else pair
                        for pair in body.split("&") for name, _, value in [pair.partition("=")])  # fmt: skip
    return json.dumps(_scrub_json(parsed), separators=(",", ":"))


def _scrub_json(value: Any) -> Any:
    """Credential fields replaced by :data:`PLACEHOLDER`; a value that already reads scrubbed is kept as it
    is, so a built cassette's distinct placeholders (``<REDACTED-PAGE-2>``, ``<REDACTED-PAGE-3>``: Feishu's
    ``page_token``) stay distinct when it is replayed."""
    if isinstance(value, dict):
        return {key: PLACEHOLDER if _CREDENTIAL_FIELD.search(str(key)) and isinstance(item, str) and not _scrubbed(item)
                else _scrub_json(item) for key, item in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [_scrub_json(item) for item in value]
    return value
