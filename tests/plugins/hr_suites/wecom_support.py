"""What the WeCom tests share: the connector as its cassettes were recorded, its settings, the wire
matcher (credentials and JSON bodies) and the callback signature."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import vcr

from hub.core.msg_crypt import MsgCrypt
from hub.testing.cassettes import PLACEHOLDER, scrubbing_vcr
from plugins.hr_suites.wecom import WeCom, xml_fields
from tests.cassettes.hr_suites.wecom._build import CALLBACK_TOKEN, CORPID, ENCODING_AES_KEY, PAGE_SIZE, SEALED_AT

TESTS = Path(__file__).resolve().parents[2]
CASSETTES = TESTS / "cassettes" / "hr_suites" / "wecom"
SAMPLES = TESTS / "fixtures" / "wecom"
SECRET, BOT_KEY = "test-secret-not-real", "test-bot-key-not-real"
SETTINGS = {"corpid": CORPID, "corpsecret": SECRET, "callback_token": CALLBACK_TOKEN,
            "encoding_aes_key": ENCODING_AES_KEY, "user_page_size": PAGE_SIZE}
#: A hub id (generated when a test stores an entity): recorded bodies read it as ``<hub-id>``.
HUB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: vcr's request parts matched as recorded; the query and body go through :func:`wire`.
MATCH_ON = ("method", "scheme", "host", "port", "path", "wire")


class RecordedWeCom(WeCom):
    """The connector as the cassettes were recorded: the token clock pinned (the recorded tokens live
    7200 s from it)."""

    token_clock = staticmethod(lambda: 1_718_000_000.0)


def _text(body: Any) -> str:
    return body.decode() if isinstance(body, bytes) else (body or "")


def wire(live: Any, recorded: Any) -> None:
    """vcr matcher: the query as recorded, where a credential (``corpsecret``, the bot's ``key``) is the
    configured one and ``access_token`` one the token endpoint handed out; JSON bodies as recorded."""
    sent, kept = dict(parse_qsl(urlsplit(live.uri).query)), dict(parse_qsl(urlsplit(recorded.uri).query))
    for name, value in (("corpsecret", SECRET), ("key", BOT_KEY)):
        if name in sent:
            # the scrubbing VCR may have replaced it before matching
            assert sent.pop(name) in (value, PLACEHOLDER) and kept.pop(name, None) == PLACEHOLDER, (
                f"the {name} is not the configured one")
    token = sent.get("access_token")
    assert token in (None, PLACEHOLDER) or token.startswith("<REDACTED-ACCESS-TOKEN-"), "not a handed-out token"
    if token == PLACEHOLDER:  # scrubbed before matching: the handed-out one is checked by the connector tests
        sent["access_token"] = kept.get("access_token")
    assert sent == kept, f"query {sorted(sent)} is not the recorded {sorted(kept)}"
    if _text(recorded.body):
        sent_body = json.loads(HUB_ID.sub("<hub-id>", _text(live.body)))
        assert sent_body == json.loads(_text(recorded.body)), f"sent {sent_body}, recorded {_text(recorded.body)}"


def replaying(folder: Path = CASSETTES) -> vcr.VCR:
    """The scrubbing VCR matching with :func:`wire`."""
    replay = scrubbing_vcr(folder, match_on=MATCH_ON)
    replay.register_matcher("wire", wire)
    return replay


def signed_query(raw_body: bytes, nonce: str, *, timestamp: str = SEALED_AT) -> dict[str, str]:
    """The query WeCom posts a callback with: ``msg_signature`` over the body's ``<Encrypt>``."""
    encrypt = xml_fields(raw_body, "wecom")["Encrypt"]
    crypt = MsgCrypt(CALLBACK_TOKEN, ENCODING_AES_KEY, CORPID)
    return {"msg_signature": crypt.signature(timestamp, nonce, encrypt), "timestamp": timestamp, "nonce": nonce}


def nonce_of(delivery_id: str) -> str:
    """A nonce per delivery id, as WeCom draws one per callback."""
    return hashlib.sha256(delivery_id.encode()).hexdigest()[:10]
