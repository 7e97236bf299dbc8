"""hub.core.msg_crypt against DingTalk's published test vector, and round trips for any message."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import ConfigError, WebhookVerificationError
from hub.core.msg_crypt import MsgCrypt

# https://open-doc.dingtalk.com/microapp/faquestions/ltr370 (回调接口本地调试方案)
VECTOR = {
    "token": "123456",
    "aes_key": "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij",
    "receive_id": "suite4xxxxxxxxxxxxxxx",
    "signature": "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0",
    "timestamp": "1445827045067",
    "nonce": "nEXhMP4r",
    "encrypt": "1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8"
               "Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGan"
               "fwjXuQ9+0pZcy0w9lQ==",
}


def vector_crypt(receive_id: str = VECTOR["receive_id"]) -> MsgCrypt:
    return MsgCrypt(VECTOR["token"], VECTOR["aes_key"], receive_id, system="dingtalk")


def test_the_published_vector_verifies_and_decrypts() -> None:
    crypt = vector_crypt()
    assert crypt.signature(VECTOR["timestamp"], VECTOR["nonce"], VECTOR["encrypt"]) == VECTOR["signature"]
    crypt.verify(VECTOR["signature"], VECTOR["timestamp"], VECTOR["nonce"], VECTOR["encrypt"])
    assert json.loads(crypt.decrypt(VECTOR["encrypt"])) == {
        "EventType": "check_create_suite_url", "Random": "LPIdSnlF", "TestSuiteKey": "suite4xxxxxxxxxxxxxxx"}


def test_re_encrypting_the_vector_with_its_random_prefix_gives_the_published_text() -> None:
    crypt = vector_crypt()
    plain = crypt.decrypt(VECTOR["encrypt"])
    key = base64.b64decode(VECTOR["aes_key"] + "=")  # the first block decrypts to the random prefix: recover it
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    random16 = decryptor.update(base64.b64decode(VECTOR["encrypt"])[:16]) + decryptor.finalize()
    sealed = crypt.encrypt(plain, nonce=VECTOR["nonce"], timestamp=VECTOR["timestamp"], random16=random16)
    assert sealed.encrypt == VECTOR["encrypt"]
    assert sealed.signature == VECTOR["signature"]


@pytest.mark.parametrize("part", ["signature", "timestamp", "nonce", "encrypt"])
def test_any_changed_part_fails_verification(part: str) -> None:
    values = {key: VECTOR[key] for key in ("signature", "timestamp", "nonce", "encrypt")}
    values[part] = values[part][:-2] + ("00" if not values[part].endswith("00") else "11")
    with pytest.raises(WebhookVerificationError) as caught:
        vector_crypt().verify(values["signature"], values["timestamp"], values["nonce"], values["encrypt"])
    assert caught.value.system == "dingtalk"


def test_a_message_sealed_for_another_receiver_is_refused() -> None:
    with pytest.raises(WebhookVerificationError, match="another receive id"):
        vector_crypt("ding-other-corp").decrypt(VECTOR["encrypt"])


@pytest.mark.parametrize("encrypt,why", [("not base64!", "not base64"), ("QUJD", "whole AES blocks")])
def test_garbage_is_refused_with_a_reason(encrypt: str, why: str) -> None:
    with pytest.raises(WebhookVerificationError, match=why):
        vector_crypt().decrypt(encrypt)


def test_another_key_fails_on_padding_or_receiver() -> None:
    other = MsgCrypt(VECTOR["token"], "b" * 43, VECTOR["receive_id"])
    with pytest.raises(WebhookVerificationError):
        other.decrypt(VECTOR["encrypt"])


@pytest.mark.parametrize("key", ["short", "a" * 44, "!" * 43])
def test_a_malformed_encoding_aes_key_is_a_config_error(key: str) -> None:
    with pytest.raises(ConfigError, match="EncodingAESKey"):
        MsgCrypt("t", key, "corp")


aes_keys = st.binary(min_size=32, max_size=32).map(lambda key: base64.b64encode(key).decode()[:43])


@given(message=st.binary(max_size=300), key=aes_keys, receive_id=st.text(min_size=1, max_size=40),
       token=st.text(max_size=20), nonce=st.text(min_size=1, max_size=16), timestamp=st.integers(0, 2**41).map(str))
def test_round_trip(message: bytes, key: str, receive_id: str, token: str, nonce: str, timestamp: str) -> None:
    crypt = MsgCrypt(token, key, receive_id)
    sealed = crypt.encrypt(message, nonce=nonce, timestamp=timestamp)
    assert len(base64.b64decode(sealed.encrypt)) % 32 == 0  # padded to the scheme's 32-byte block
    crypt.verify(sealed.signature, sealed.timestamp, sealed.nonce, sealed.encrypt)
    assert crypt.decrypt(sealed.encrypt) == message


@given(encrypt=st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode())))
def test_any_text_decrypts_or_is_refused_typed(encrypt: str) -> None:
    try:
        assert isinstance(vector_crypt().decrypt(encrypt), bytes)
    except WebhookVerificationError:
        pass


def test_the_sha256_signature_yonyous_newer_page_names_is_a_choice_and_anything_else_a_config_error() -> None:
    crypt = MsgCrypt("tok", "a" * 43, "app-1", hash_name="sha256")
    assert crypt.signature("1", "n", "e") == hashlib.sha256(b"1entok").hexdigest()
    with pytest.raises(ConfigError, match="sha1, sha256"):
        MsgCrypt("tok", "a" * 43, "app-1", hash_name="md5")
