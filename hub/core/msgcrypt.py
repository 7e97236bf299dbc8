"""The "message crypt" event encryption of Chinese open platforms: AES-CBC over a framed message, SHA signature.

Yonyou's open platform (and the WeCom / DingTalk callback schemes it follows) pushes events as
``{"encrypt": <base64>, "timestamp", "nonce", "msgSignature"}``:

* the key is the Base64 of a 43-character "encoding AES key" plus ``=`` (32 bytes, AES-256); the IV is
  the key's first 16 bytes;
* the plaintext is framed: 16 random bytes, the message's length as 4 big-endian bytes, the message
  (UTF-8), then the receiver's id (Yonyou: the app key), padded PKCS#7-style to a 32-byte block;
* the signature is the lower-case hex SHA-1 (or, per a platform's newer page, SHA-256) of the four
  texts ``token``, ``timestamp``, ``nonce`` and ``encrypt`` sorted and joined.

One class, :class:`MsgCrypt`, does both directions: a receiver decrypts what it is sent and encrypts
what it must answer (Yonyou wants an encrypted, signed ``success``). Nothing here knows a vendor's
field names; the connector reads them. Failures are :class:`~hub.core.errors.WebhookVerificationError`,
never a foreign exception, and name no plaintext.

Reference: yonyoucloud-open/corp-demo ``crypto/EventCrypto.java``, ``PKCS7Encoder.java``, ``SHA1.java``.

Example:
    >>> crypt = MsgCrypt("a" * 43, receiver_id="app-key-1")
    >>> sealed = crypt.encrypt('{"type": "CHECK_URL"}', random=b"0123456789abcdef")
    >>> crypt.decrypt(sealed)
    '{"type": "CHECK_URL"}'
    >>> len(crypt.signature("tok", "1530862251583", "nonce", sealed))
    40
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hub.core.errors import ConfigError, WebhookVerificationError

__all__ = ["MsgCrypt"]

_BLOCK = 32  # the padding block of the scheme (not AES's 16)
_RANDOM = 16
_HASHES = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}


class MsgCrypt:
    """Encrypt, decrypt and sign framed event messages with one encoding AES key.

    Args:
        encoding_aes_key: the 43-character key text (the Base64 of 32 bytes without its ``=``).
        receiver_id: the id framed after the message (Yonyou: the app key); a decrypted message framed
            with another id is refused.
        hash_name: ``sha1`` (the reference code) or ``sha256``.
        system: the system named in errors.
    """

    def __init__(self, encoding_aes_key: str, *, receiver_id: str, hash_name: str = "sha1",
                 system: str | None = None) -> None:  # fmt: skip
        if len(encoding_aes_key) != 43:
            raise ConfigError("an encoding AES key has 43 characters", system=system)
        try:
            self._key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError("the encoding AES key is not Base64", system=system) from None
        if hash_name not in _HASHES:
            raise ConfigError(f"the signature hash is one of {', '.join(_HASHES)}, not {hash_name!r}", system=system)
        self._receiver = receiver_id.encode()
        self._hash = _HASHES[hash_name]
        self._system = system

    def signature(self, token: str, timestamp: str, nonce: str, encrypt: str) -> str:
        """The hex digest of the four texts sorted and joined."""
        return self._hash("".join(sorted((token, timestamp, nonce, encrypt))).encode()).hexdigest()

    def verify(self, signature: str, token: str, timestamp: str, nonce: str, encrypt: str) -> None:
        """Refuse a signature that is not the one of these texts (compared in constant time)."""
        if not hmac.compare_digest(signature.lower().encode(), self.signature(token, timestamp, nonce, encrypt).encode()):
            raise WebhookVerificationError("the event's signature does not match", system=self._system)

    def encrypt(self, message: str, *, random: bytes | None = None) -> str:
        """The Base64 ciphertext of ``message`` framed with ``random`` (16 fresh bytes when not given)."""
        text = message.encode()
        framed = (random if random is not None else os.urandom(_RANDOM)) + struct.pack(">I", len(text)) + text
        framed += self._receiver
        pad = _BLOCK - len(framed) % _BLOCK
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(framed + bytes([pad]) * pad) + encryptor.finalize()).decode()

    def decrypt(self, encrypt: str) -> str:
        """The message inside ``encrypt``.

        Raises:
            WebhookVerificationError: not Base64 of whole AES blocks, a frame that does not add up,
                or a receiver id other than this one.
        """
        try:
            data = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError):
            raise WebhookVerificationError("the encrypted event is not Base64", system=self._system) from None
        if not data or len(data) % 16:
            raise WebhookVerificationError("the encrypted event is not whole AES blocks", system=self._system)
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        body = plain[: -pad] if 1 <= pad <= _BLOCK else plain
        if len(body) < _RANDOM + 4:
            raise WebhookVerificationError("the decrypted event is too short to be framed", system=self._system)
        (length,) = struct.unpack(">I", body[_RANDOM : _RANDOM + 4])
        message, receiver = body[_RANDOM + 4 : _RANDOM + 4 + length], body[_RANDOM + 4 + length :]
        if len(message) != length or receiver != self._receiver:
            raise WebhookVerificationError("the decrypted event is not framed for this receiver (wrong key or app)",
                                           system=self._system)  # fmt: skip
        try:
            return message.decode()
        except UnicodeDecodeError:
            raise WebhookVerificationError("the decrypted event is not UTF-8", system=self._system) from None

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))
