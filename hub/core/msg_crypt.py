"""The WXBizMsgCrypt callback scheme that DingTalk, WeCom (企业微信) and Yonyou use: sign, verify, encrypt, decrypt.

A vendor posts ``encrypt`` (base64) with a ``signature`` / ``msg_signature``, a ``timestamp`` and a
``nonce``; the receiver answers with an encrypted reply signed the same way. The scheme, as the vendors
document it (DingTalk https://open-doc.dingtalk.com/microapp/isv/gdksu9 and the test vector of
https://open-doc.dingtalk.com/microapp/faquestions/ltr370; WeCom's 加解密方案说明 is the same scheme):

* signature: hex SHA-1 of the four strings ``token``, ``timestamp``, ``nonce``, ``encrypt`` sorted
  lexicographically and concatenated (not an HMAC: the token is the shared secret); Yonyou's newer
  event page says SHA-256 (``hash_name``), its reference code (yonyoucloud-open/corp-demo) SHA-1;
* key: ``base64(EncodingAESKey + "=")`` — a 43-character EncodingAESKey is a 32-byte AES-256 key; the IV is
  the key's first 16 bytes; AES-CBC with PKCS#7 padding to a **32-byte** block (not AES's 16);
* plaintext: 16 random bytes, the message length (4 bytes, big-endian), the message, then the receive id
  (DingTalk: the CorpId, SuiteKey or AppKey; WeCom: the CorpID; Yonyou: the app key) — checked on decryption so a message sealed
  for another receiver is refused.

Failures are :class:`~hub.core.errors.WebhookVerificationError` (the callback is refused with a 401), with
the ``system`` the crypt was made for; a malformed EncodingAESKey is a :class:`~hub.core.errors.ConfigError`.

Example (DingTalk's published test vector, https://open-doc.dingtalk.com/microapp/faquestions/ltr370):
    >>> crypt = MsgCrypt("123456", "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij", "suite4xxxxxxxxxxxxxxx")
    >>> encrypt = ("1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8"
    ...            "Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGan"
    ...            "fwjXuQ9+0pZcy0w9lQ==")
    >>> crypt.verify("5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0", "1445827045067", "nEXhMP4r", encrypt)
    >>> crypt.decrypt(encrypt)
    b'{"EventType":"check_create_suite_url","Random":"LPIdSnlF","TestSuiteKey":"suite4xxxxxxxxxxxxxxx"}'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hub.core.errors import ConfigError, WebhookVerificationError

__all__ = ["BLOCK", "MsgCrypt", "Sealed"]

#: The padding block of the scheme: PKCS#7 to 32 bytes, as both vendors' SDKs pad.
BLOCK = 32
#: The hashes a vendor signs with (``hash_name``).
_HASHES = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}


@dataclass(frozen=True)
class Sealed:
    """An encrypted reply and what signs it; each vendor lays these out in its own reply format."""

    encrypt: str
    signature: str
    timestamp: str
    nonce: str


class MsgCrypt:
    """One receiver's callback crypto: its token, EncodingAESKey and receive id.

    Example:
        >>> crypt = MsgCrypt("tok", "a" * 43, "corp-1")
        >>> sealed = crypt.encrypt(b"success", nonce="n1", timestamp="1700000000")
        >>> crypt.verify(sealed.signature, sealed.timestamp, sealed.nonce, sealed.encrypt)
        >>> crypt.decrypt(sealed.encrypt)
        b'success'
    """

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str, *, hash_name: str = "sha1",
                 system: str | None = None) -> None:
        self.system = system
        self._token = token
        if hash_name not in _HASHES:
            raise ConfigError(f"the signature hash is one of {', '.join(_HASHES)}, not {hash_name!r}", system=system)
        self._hash = _HASHES[hash_name]
        self._receive_id = receive_id.encode()
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True) if len(encoding_aes_key) == 43 else b""
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            raise ConfigError("the EncodingAESKey is 43 base64 characters (a 32-byte AES key)", system=system,
                              field_path="encoding_aes_key")
        self._key = key

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        """Hex SHA-1 (or ``hash_name``) of token, timestamp, nonce and encrypt, sorted and concatenated."""
        return self._hash("".join(sorted((self._token, timestamp, nonce, encrypt))).encode()).hexdigest()

    def verify(self, signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        """Compare a received signature in constant time.

        Raises:
            WebhookVerificationError: a part is missing or the signature is not the expected one.
        """
        if not (signature and timestamp and nonce and encrypt) or not hmac.compare_digest(
                self.signature(timestamp, nonce, encrypt).encode(), signature.strip().lower().encode("utf-8", "replace")):
            raise WebhookVerificationError("the callback signature is missing or wrong", system=self.system)

    def decrypt(self, encrypt: str) -> bytes:
        """The message an ``encrypt`` text carries, after checking its padding and receive id.

        Raises:
            WebhookVerificationError: not base64, not whole blocks, wrong padding or length (a wrong key),
                or sealed for another receive id.
        """
        try:
            data = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError):
            raise self._refused("is not base64") from None
        if not data or len(data) % 16:
            raise self._refused("is not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise self._refused("is not padded as PKCS#7 (a wrong EncodingAESKey?)")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise self._refused("is too short for its random prefix and length")
        (length,) = struct.unpack(">I", plain[16:20])
        message, receive_id = plain[20:20 + length], plain[20 + length:]
        if len(message) != length:
            raise self._refused("names a message length longer than it holds")
        if not hmac.compare_digest(receive_id, self._receive_id):
            raise self._refused("is sealed for another receive id (CorpId / AppKey / SuiteKey)")
        return message

    def encrypt(self, plain: bytes | str, nonce: str, timestamp: str, *, random16: bytes | None = None) -> Sealed:
        """Seal ``plain`` for this receiver and sign it; ``random16`` pins the random prefix (tests only)."""
        message = plain.encode() if isinstance(plain, str) else plain
        prefix = os.urandom(16) if random16 is None else random16
        if len(prefix) != 16:
            raise ValueError("random16 is 16 bytes")
        body = prefix + struct.pack(">I", len(message)) + message + self._receive_id
        pad = BLOCK - len(body) % BLOCK
        encryptor = self._cipher().encryptor()
        encrypt = base64.b64encode(encryptor.update(body + bytes([pad]) * pad) + encryptor.finalize()).decode()
        return Sealed(encrypt=encrypt, signature=self.signature(timestamp, nonce, encrypt), timestamp=timestamp,
                      nonce=nonce)

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def _refused(self, why: str) -> WebhookVerificationError:
        return WebhookVerificationError(f"the callback's encrypt field {why}", system=self.system)
