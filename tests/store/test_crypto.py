"""Key ring: formats, providers, blind indexes."""

from __future__ import annotations


import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.crypto import FileKeyProvider, KeyRing, blind_index_from_hex, normalize_for_index
from hub.core.keys import keyring_from_config
from hub.core.errors import ConfigError, DecryptionError

AAD = ("candidate", "c1", "name")


@given(st.text())
def test_roundtrip_any_text(value):
    ring = KeyRing.generate()
    assert ring.decrypt(ring.encrypt(value, aad=AAD), aad=AAD) == value


@given(st.text())
def test_a_token_is_v1_kid_and_url_safe_base64_of_nonce_and_ciphertext(value):
    """The stored format: tokens written before and after any speed-up must read the same."""
    import base64

    ring = KeyRing.generate("k1")
    version, kid, body = ring.encrypt(value, aad=AAD).split(".")
    sealed = base64.urlsafe_b64decode(body)
    assert (version, kid) == ("v1", "k1")
    assert base64.urlsafe_b64encode(sealed).decode() == body  # exactly that alphabet, with its padding
    assert len(sealed) == 12 + len(value.encode()) + 16  # nonce, ciphertext, tag


def test_fresh_nonce_each_time():
    ring = KeyRing.generate()
    assert ring.encrypt("same", aad=AAD) != ring.encrypt("same", aad=AAD)


def test_json_roundtrip_and_bad_rings():
    ring = KeyRing.generate("a").with_new_key("b")
    again = KeyRing.from_json(ring.to_json())
    assert again.active_kid == "b" and again.keys == ring.keys and again.index_key == ring.index_key
    with pytest.raises(ConfigError, match="not a key ring"):
        KeyRing.from_json("{}")
    with pytest.raises(ConfigError, match="32 bytes"):
        KeyRing.from_json('{"active": "a", "keys": {"a": "AAAA"}, "index_key": "AAAA"}')


def test_malformed_token_is_a_decryption_error():
    with pytest.raises(DecryptionError, match="not an encrypted token"):
        KeyRing.generate().decrypt("garbage", aad=AAD)


def test_blind_index_is_per_field_and_normalized():
    ring = KeyRing.generate()
    assert ring.blind_index("emails", "A@B.cn ") == ring.blind_index("emails", "a@b.cn")
    assert ring.blind_index("emails", "x") != ring.blind_index("national_id", "x")
    assert ring.blind_index("emails", "a@b.cn") != KeyRing.generate().blind_index("emails", "a@b.cn")


@given(st.text(alphabet="0123456789 +-", min_size=1))
def test_phone_normalization_keeps_only_digits_and_plus(value):
    assert set(normalize_for_index("phones", value)) <= set("0123456789+")


def test_file_provider_requires_0600(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text(KeyRing.generate("f").to_json())
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        FileKeyProvider(str(path)).load()
    path.chmod(0o600)
    assert keyring_from_config("file", {"path": str(path)}).active_kid == "f"


def test_env_provider_through_the_plugin_registry(monkeypatch):
    monkeypatch.setenv("HUB_KEYS", KeyRing.generate("e").to_json())
    assert keyring_from_config("env", {}).active_kid == "e"
    with pytest.raises(ConfigError, match="unknown key provider 'kms'"):
        keyring_from_config("kms", {})


def _normalize_reference(field_name: str, value: str) -> str:
    """The definition the ASCII fast path of normalize_for_index must agree with."""
    import unicodedata

    text = unicodedata.normalize("NFKC", value).strip()
    if field_name == "phones":
        return "".join(ch for ch in text if ch.isdigit() or ch == "+")
    text = "".join(text.split())
    return text.upper() if field_name == "national_id" else text.casefold()


@given(st.sampled_from(["phones", "national_id", "emails"]), st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_fast_path_normalizes_like_nfkc(field_name, value):
    assert normalize_for_index(field_name, value) == _normalize_reference(field_name, value)


def test_keyed_hashes_are_plain_hmac_sha256():
    import hashlib
    import hmac

    ring = KeyRing.generate()
    for _ in range(2):  # the second call reuses the cached keyed state
        full = hmac.digest(ring.field_key("index/phones"), b"+8613800138000", hashlib.sha256)
        assert ring.blind_index("phones", "+86 138-0013-8000") == int.from_bytes(full[:8], "big", signed=True)
        assert blind_index_from_hex(full.hex()) == ring.blind_index("phones", "+86 138-0013-8000")
        assert ring.content_hash(b"{}") == hmac.digest(ring.field_key("content-hash"), b"{}", hashlib.sha256).hex()
