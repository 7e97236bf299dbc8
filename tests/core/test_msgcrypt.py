"""The framed AES-CBC event crypt (hub.core.msgcrypt): round trips, and every tampering refused as a webhook error."""

from __future__ import annotations

import base64
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import ConfigError, WebhookVerificationError
from hub.core.msgcrypt import MsgCrypt

KEY = "k" * 42 + "A"  # 43 Base64 characters: 32 bytes with the "=" the scheme adds
KEYS = st.text(alphabet=string.ascii_letters + string.digits, min_size=42, max_size=42).map(lambda k: k + "A")


@given(KEYS, st.text(max_size=300), st.text(min_size=1, max_size=40), st.binary(min_size=16, max_size=16))
def test_what_is_encrypted_decrypts_to_itself(key: str, message: str, receiver: str, random: bytes) -> None:
    crypt = MsgCrypt(key, receiver_id=receiver)
    assert crypt.decrypt(crypt.encrypt(message, random=random)) == message


@given(st.text(max_size=100), st.integers(min_value=0, max_value=200))
def test_a_changed_ciphertext_fails_the_signature(message: str, where: int) -> None:
    # CBC alone has no integrity: the signature over the ciphertext is what refuses a change
    crypt = MsgCrypt(KEY, receiver_id="app-1")
    sealed = crypt.encrypt(message)
    signed = crypt.signature("secret", "1", "n", sealed)
    data = bytearray(base64.b64decode(sealed))
    data[where % len(data)] ^= 0x01
    with pytest.raises(WebhookVerificationError):
        crypt.verify(signed, "secret", "1", "n", base64.b64encode(bytes(data)).decode())


@given(st.text(max_size=60))
def test_a_message_framed_for_another_receiver_is_refused(message: str) -> None:
    sealed = MsgCrypt(KEY, receiver_id="app-1").encrypt(message)
    with pytest.raises(WebhookVerificationError, match="receiver"):
        MsgCrypt(KEY, receiver_id="app-2").decrypt(sealed)


@given(st.text(max_size=80))
def test_anything_is_a_webhook_error_or_a_message_never_another_exception(text: str) -> None:
    try:
        MsgCrypt(KEY, receiver_id="app-1").decrypt(text)
    except WebhookVerificationError:
        pass


def test_the_signature_is_the_sorted_texts_hashed_and_checked() -> None:
    crypt = MsgCrypt(KEY, receiver_id="app-1")
    signed = crypt.signature("secret", "1530862251583", "uM48M4qajlEtVCz4", "ZW5j")
    assert signed == __import__("hashlib").sha1(b"1530862251583ZW5jsecretuM48M4qajlEtVCz4").hexdigest()
    crypt.verify(signed.upper(), "secret", "1530862251583", "uM48M4qajlEtVCz4", "ZW5j")
    with pytest.raises(WebhookVerificationError):
        crypt.verify(signed, "secret", "1530862251584", "uM48M4qajlEtVCz4", "ZW5j")
    assert len(MsgCrypt(KEY, receiver_id="a", hash_name="sha256").signature("a", "b", "c", "d")) == 64


@pytest.mark.parametrize("key", ["short", "!" * 43])
def test_a_key_that_is_not_43_base64_characters_is_a_config_error(key: str) -> None:
    with pytest.raises(ConfigError):
        MsgCrypt(key, receiver_id="app-1")
