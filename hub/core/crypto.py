"""Key ring, field encryption, blind indexes and keyed content hashes.

Why this shape:

* **Field tokens.** Every PII value (and every raw vendor payload) is stored as a text token
  ``v1.<kid>.<base64url(nonce | ciphertext | tag)>``: AES-256-GCM with a fresh random 96-bit nonce per
  encryption (NIST SP 800-38D §8.2.2). The key id travels with the token so a ring holding several
  keys can read everything while :mod:`rotation <hub.core.store.rotation>` moves tokens to the active
  key. The associated data binds a token to ``(entity kind, entity id, field)``: a token copied into
  another row or field fails authentication (:class:`DecryptionError`), never decrypts to garbage.
* **Blind indexes.** Searchable PII (national ID, phones, emails) is also stored as HMAC-SHA256 over a
  normalized value, with a key derived per field (HKDF) from a separate index key, so equal values in
  different fields do not match and the data keys can rotate without touching the indexes. Only the
  first 64 bits are kept, as a signed integer: see :meth:`KeyRing.blind_index` for why.
* **Content hashes** are HMACs too (key derived from the index key): a plain SHA-256 over data holding
  an 18-digit ID number could be reversed by a dictionary attack.

Key ring format (the same JSON in ``HUB_KEYS`` and in a key file)::

    {"active": "k2",
     "keys": {"k1": "<base64 32 bytes>", "k2": "<base64 32 bytes>"},
     "index_key": "<base64 32 bytes>"}

``hub keys generate`` prints (or writes, mode 0600) such a ring. Providers are looked up by the
``keys.provider`` setting of hub.yaml (:func:`hub.core.keys.keyring_from_config`): built-ins ``env`` (``HUB_KEYS``) and ``file``
(``keys.settings.path``); plugins add more through ``hub_register_key_providers``.

Example:
    >>> ring = KeyRing.generate()
    >>> token = ring.encrypt("11010519491231002X", aad=("candidate", "c-1", "national_id"))
    >>> token.startswith(f"v1.{ring.active_kid}.")
    True
    >>> ring.decrypt(token, aad=("candidate", "c-1", "national_id"))
    '11010519491231002X'
    >>> ring.decrypt(token, aad=("candidate", "c-2", "national_id"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hub.core.errors.DecryptionError: [decryption-failed] candidate c-2 field 'national_id': ...
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub import hookimpl
from hub.core.errors import ConfigError, DecryptionError, KeyNotFoundError

__all__ = [
    "TOKEN_VERSION",
    "INDEX_KEY_ID",
    "LINK",
    "HUB_IDS",
    "KeyProvider",
    "KeyRing",
    "EnvKeyProvider",
    "FileKeyProvider",
    "normalize_for_index",
    "blind_index_from_hex",
    "token_kid",
]

TOKEN_VERSION = "v1"
#: The name the index key goes by in key checks; no data key may take it.
INDEX_KEY_ID = "index"
#: The blind-index field of a link (:meth:`KeyRing.link_index`) among a dead letter's keys.
LINK = "link"
#: The system a link names a record of by its hub id (a delivery's dead letter knows no other).
HUB_IDS = "hub"
ENV_VAR = "HUB_KEYS"
_NONCE_BYTES = 12
_KEY_BYTES = 32
_WHAT_TO_DO = (
    "set HUB_KEYS to the key ring's JSON (or keys.settings.path in hub.yaml to its file) that the data was "
    "written with; `hub keys generate` creates a new ring"
)


class KeyProvider(Protocol):
    """Something that returns a :class:`KeyRing` (environment, file, a cloud KMS, ...)."""

    def load(self) -> KeyRing:  # pragma: no cover - protocol
        ...


def _b64decode(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ConfigError(f"{what} is not valid base64") from None
    if len(raw) != _KEY_BYTES:
        raise ConfigError(f"{what} must be {_KEY_BYTES} bytes (AES-256), got {len(raw)}")
    return raw


def _where(aad: tuple[str, str, str]) -> dict[str, str]:
    """A decryption error's context: which entity, record and field the token was for."""
    kind, entity_id, field_name = aad
    return {"entity": kind, "record_id": entity_id, "field_path": field_name}


def _aad(aad: tuple[str, str, str]) -> bytes:
    return "\x1f".join(aad).encode("utf-8")


def token_kid(token: str) -> str:
    """The key id of a token, without decrypting it (used by rotation to skip current tokens)."""
    return token.split(".", 2)[1]


def normalize_for_index(field_name: str, value: str) -> str:
    """The form of a value a blind index hashes: NFKC, no spaces, case-folded; phones keep digits and '+'.

    Example:
        >>> normalize_for_index("emails", " Li.Na@Example.COM ")
        'li.na@example.com'
        >>> normalize_for_index("national_id", "110105 19491231 002x")
        '11010519491231002X'
    """
    text = str(value)
    if text.isascii():  # ASCII is its own NFKC form, and its only digits are 0-9: skip the slow path
        text = text.strip()
        return _NOT_PHONE.sub("", text) if field_name in ("phones", "phone") else _fold(field_name, text)
    text = unicodedata.normalize("NFKC", text).strip()
    if field_name in ("phones", "phone"):
        return "".join(ch for ch in text if ch.isdigit() or ch == "+")
    return _fold(field_name, text)


_NOT_PHONE = re.compile(r"[^0-9+]")


def _fold(field_name: str, text: str) -> str:
    """Spaces removed; ID numbers upper-cased (the check digit X), everything else case-folded."""
    if field_name == "national_id":
        return "".join(text.split()).upper()
    return "".join(text.split()).casefold()


@dataclass
class KeyRing:
    """Data keys by id (one active) plus the separate index key for blind indexes and content hashes.

    Args:
        keys: key id → 32-byte AES-256 key.
        active_kid: the id new tokens are written with.
        index_key: 32-byte key; per-field HMAC keys are derived from it with HKDF.

    Example:
        >>> ring = KeyRing.generate("k1")
        >>> ring2 = ring.with_new_key("k2")
        >>> ring2.active_kid, sorted(ring2.keys)
        ('k2', ['k1', 'k2'])
        >>> ring2.decrypt(ring.encrypt("x", aad=("a", "b", "c")), aad=("a", "b", "c"))
        'x'
    """

    keys: dict[str, bytes]
    active_kid: str
    index_key: bytes
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, repr=False, compare=False)
    _field_keys: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)
    _macs: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.active_kid not in self.keys:
            raise ConfigError(f"the active key {self.active_kid!r} is not in the key ring ({', '.join(self.keys)})")
        for kid, key in self.keys.items():
            if not kid or "." in kid or kid == INDEX_KEY_ID:
                raise ConfigError(f"key id {kid!r} must be non-empty, contain no '.' and not be {INDEX_KEY_ID!r}")
            if len(key) != _KEY_BYTES:
                raise ConfigError(f"key {kid!r} must be {_KEY_BYTES} bytes (AES-256)")
        self._ciphers = {kid: AESGCM(key) for kid, key in self.keys.items()}

    # ---- construction ------------------------------------------------------------------------

    @classmethod
    def generate(cls, kid: str = "k1") -> KeyRing:
        """A fresh ring with one random data key and a random index key."""
        return cls({kid: secrets.token_bytes(_KEY_BYTES)}, kid, secrets.token_bytes(_KEY_BYTES))

    def with_new_key(self, kid: str | None = None) -> KeyRing:
        """A copy with one more random key, made active (the first step of a rotation)."""
        kid = kid or f"k{len(self.keys) + 1}"
        if kid in self.keys:
            raise ConfigError(f"key id {kid!r} is already in the key ring")
        return KeyRing({**self.keys, kid: secrets.token_bytes(_KEY_BYTES)}, kid, self.index_key)

    @classmethod
    def from_json(cls, text: str, source: str = ENV_VAR) -> KeyRing:
        """Parse the JSON key-ring format described in the module docstring."""
        try:
            data = json.loads(text)
            keys = {str(kid): _b64decode(value, f"{source}: key {kid!r}") for kid, value in data["keys"].items()}
            return cls(keys, str(data["active"]), _b64decode(data["index_key"], f"{source}: index_key"))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(
                f"{source} is not a key ring: expected JSON {{\"active\", \"keys\", \"index_key\"}} ({exc.__class__.__name__})"
            ) from None

    def to_json(self) -> str:
        """The ring in its JSON format (contains secrets: print only where the operator asked)."""
        return json.dumps(
            {
                "active": self.active_kid,
                "keys": {kid: base64.b64encode(key).decode() for kid, key in self.keys.items()},
                "index_key": base64.b64encode(self.index_key).decode(),
            }
        )

    # ---- encryption ----------------------------------------------------------------------------

    def encrypt(self, plaintext: str, *, aad: tuple[str, str, str]) -> str:
        """Encrypt text with the active key into a ``v1.<kid>.<b64>`` token bound to ``aad``."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self.active_kid].encrypt(nonce, plaintext.encode("utf-8"), _aad(aad))
        # base64.urlsafe_b64encode without its two Python frames (every PII value passes here); two
        # replaces find the few "+" and "/" with memchr, twice as fast as translate's byte-by-byte table
        body = binascii.b2a_base64(nonce + sealed, newline=False).replace(b"+", b"-").replace(b"/", b"_").decode("ascii")
        return f"{TOKEN_VERSION}.{self.active_kid}.{body}"

    def decrypt(self, token: str, *, aad: tuple[str, str, str]) -> str:
        """Decrypt a token written for ``aad`` = (entity kind, entity id, field).

        Raises:
            KeyNotFoundError: the token's key id is not in this ring.
            DecryptionError: malformed token, wrong key, tampered ciphertext or a token moved from
                another row or field.
        """
        try:
            version, kid, body = token.split(".", 2)
        except (ValueError, AttributeError):
            raise DecryptionError("not an encrypted token (expected v1.<kid>.<data>)", **_where(aad)) from None
        if version != TOKEN_VERSION:
            raise DecryptionError(f"unsupported token version {version!r}", **_where(aad))
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise KeyNotFoundError(
                f"key {kid!r} is not in the key ring (ring has {', '.join(sorted(self.keys))}); {_WHAT_TO_DO}", **_where(aad)
            )
        try:
            # base64.urlsafe_b64decode without its Python frames and byte-by-byte translate (the change
            # feed decrypts every PII value of a page): the same lenient decoding, two replaces
            raw = binascii.a2b_base64(body.replace("-", "+").replace("_", "/"))
            return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(aad)).decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error):
            raise DecryptionError(
                f"authentication failed with key {kid!r}: the ciphertext was tampered with, copied from another "
                "row or field, or the key material for this id is wrong",
                **_where(aad),
            ) from None

    # ---- keyed hashes --------------------------------------------------------------------------

    def field_key(self, purpose: str) -> bytes:
        """An HMAC key for one purpose (a blind-indexed field, or "content-hash"), derived with HKDF."""
        key = self._field_keys.get(purpose)
        if key is None:
            key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"hub/{purpose}".encode()).derive(
                self.index_key
            )
            self._field_keys[purpose] = key
        return key

    def _hmac(self, purpose: str, message: bytes) -> bytes:
        """HMAC-SHA256 under the purpose's key.

        The keyed state (key padded and absorbed) is built once per purpose and copied per message:
        the upsert hot path computes several HMACs per record (five a candidate with its
        assessment), and keying ``hmac.digest`` afresh each time cost more than hashing the message.
        The state copied is OpenSSL's own HMAC object where the ``hmac`` module keeps one
        (CPython's ``HMAC._hmac``): its ``copy``, ``update`` and ``digest`` are C calls, while the
        module's wrapper adds a Python frame to each (~0.3 µs an HMAC); the digest is the same.
        """
        mac = self._macs.get(purpose)
        if mac is None:
            keyed = hmac.new(self.field_key(purpose), digestmod=hashlib.sha256)
            mac = self._macs[purpose] = getattr(keyed, "_hmac", None) or keyed
        mac = mac.copy()
        mac.update(message)
        return mac.digest()

    def blind_index(self, field_name: str, value: str) -> int:
        """The first 64 bits of HMAC-SHA256 of the normalized value under the field's own key, as a
        signed integer (a BIGINT column on both backends).

        Why truncated: the index over these values takes a random-order insert per searchable value,
        and as 64-character hex its B-tree outgrew the page cache, so every batch wrote back most of
        its pages. With 8-byte integers, SQLite's share of a first load of 100k candidates with their
        assessments fell from ~100 to ~64 µs a record, and ``bench/bench_store.py`` gained 14-32 %
        (3 alternating runs). 64 bits keep matches exact in practice: among 10 million indexed
        values the chance that any two different ones share an index is ~3 in a million, and a
        lookup compares one value against them. Fewer bits also reveal less (CipherSweet truncates
        on purpose, to create collisions; we stop far short of that because a match merges people).
        """
        return _first_64_bits(self._hmac(f"index/{field_name}", normalize_for_index(field_name, value).encode("utf-8")))

    def link_index(self, system: str, record_id: str) -> int:
        """A blind index of a record's id in ``system`` (:data:`HUB_IDS` for a hub id), taken as it is:
        how a dead letter names the records it is about without naming them in clear (hub.core.letter_keys).

        Example:
            >>> ring = KeyRing.generate()
            >>> ring.link_index("ats", "C1") == ring.link_index("ats", "C1") != ring.link_index("ats", "c1")
            True
        """
        return _first_64_bits(self._hmac("index/link", f"{system}\x00{record_id}".encode()))

    def check_values(self) -> dict[str, str]:
        """A key-check value per key (``index`` for the index key): HKDF of the key for this purpose
        alone, so a stored value proves a ring holds the same key and reveals nothing of it.

        Example:
            >>> ring = KeyRing.generate("k1")
            >>> sorted(ring.check_values()), ring.check_values() == ring.with_new_key("k2").check_values()
            (['index', 'k1'], False)
        """
        keys = {**self.keys, INDEX_KEY_ID: self.index_key}
        return {kid: HKDF(algorithm=hashes.SHA256(), length=16, salt=None, info=b"hub/key-check").derive(key).hex()
                for kid, key in keys.items()}  # fmt: skip

    def content_hash(self, payload: bytes) -> str:
        """Keyed hash deciding no-op upserts (hex); reveals nothing about the PII it covers."""
        return self._hmac("content-hash", payload).hex()


def _first_64_bits(digest: bytes) -> int:
    """What a blind index keeps of an HMAC: its first 64 bits as a signed integer (a BIGINT column)."""
    return int.from_bytes(digest[:8], "big", signed=True)


def blind_index_from_hex(text: str) -> int:
    """A blind index as stored before 64-bit integers (the full HMAC in hex), in today's form.

    Used by the schema migration that converted the stored indexes and by a run ledger written by
    an older hub, so that records indexed before and after still match.

    Example:
        >>> blind_index_from_hex("ff" * 32)
        -1
    """
    return int.from_bytes(bytes.fromhex(text[:16]), "big", signed=True)


# ---------------------------------------------------------------------------------------------------
# Providers
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnvKeyProvider:
    """Reads the ring from an environment variable (default ``HUB_KEYS``).

    Example:
        >>> import os
        >>> os.environ["HUB_KEYS_DOCTEST"] = KeyRing.generate("a").to_json()
        >>> EnvKeyProvider("HUB_KEYS_DOCTEST").load().active_kid
        'a'
        >>> os.environ["HUB_KEYS_DOCTEST"] = "keys.json"
        >>> EnvKeyProvider("HUB_KEYS_DOCTEST").load()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        hub.core.errors.ConfigError: [config-error] HUB_KEYS_DOCTEST holds the key ring's JSON itself (...), not a path; ...
    """

    variable: str = ENV_VAR

    def load(self) -> KeyRing:
        text = os.environ.get(self.variable)
        if not text:
            raise KeyNotFoundError(f"no key ring: environment variable {self.variable} is not set; {_WHAT_TO_DO}")
        if not text.lstrip().startswith("{"):  # the most common mistake: the key file's path instead of its JSON
            raise ConfigError(
                f"{self.variable} holds the key ring's JSON itself (`hub keys generate` prints it), not a path; "
                f"to read a key file, set keys: {{provider: file, settings: {{path: FILE}}}} in hub.yaml"
            )
        return KeyRing.from_json(text, source=self.variable)


@dataclass(frozen=True)
class FileKeyProvider:
    """Reads the ring from a JSON file that only its owner may read (mode 0600 or stricter).

    Example:
        >>> FileKeyProvider("/nonexistent/keys.json").load()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        hub.core.errors.KeyNotFoundError: [key-not-found] no key file at /nonexistent/keys.json; ...
    """

    path: str

    def load(self) -> KeyRing:
        file = Path(self.path)
        if not file.is_file():
            raise KeyNotFoundError(f"no key file at {file}; {_WHAT_TO_DO}")
        mode = stat.S_IMODE(file.stat().st_mode)
        if mode & 0o077:
            raise ConfigError(f"key file {file} has mode {mode:o}; it must be readable by its owner only (chmod 600)")
        return KeyRing.from_json(file.read_text(encoding="utf-8"), source=str(file))


def _env_provider(settings: Mapping[str, Any]) -> KeyProvider:
    return EnvKeyProvider(str(settings.get("variable", ENV_VAR)))


def _file_provider(settings: Mapping[str, Any]) -> KeyProvider:
    if "path" not in settings:
        raise ConfigError("keys.provider 'file' needs keys.settings.path in hub.yaml")
    return FileKeyProvider(str(settings["path"]))


@hookimpl
def hub_register_key_providers() -> dict[str, Callable[[Mapping[str, Any]], KeyProvider]]:
    """The built-in providers: ``env`` and ``file``."""
    return {"env": _env_provider, "file": _file_provider}
