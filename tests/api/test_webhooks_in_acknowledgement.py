"""``POST /v1/webhooks/{connector}`` for a vendor that wants its own answer once a delivery is stored:
Yonyou's encrypted, signed ``success`` (``RestConnector.webhook_receipt``), against a real ``hub serve``.

The push is a department deletion (it names no record to fetch, so the server talks to no vendor), and
the platform's address check (``CHECK_URL``), answered the same way with nothing stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.core.msg_crypt import MsgCrypt
from plugins.erp.yonyou import aes_key_from_secret

PUSHES = Path(__file__).resolve().parents[1] / "fixtures" / "yonyou"
APP_KEY, APP_SECRET = "test-app-key-not-real", "test-app-secret-not-real-0000000000000000"  # the pushes' signer
CONFIG = {"connectors": {"yonyou": {"type": "yonyou", "settings": {"app_key": APP_KEY,
                                                                   "app_secret": "${YONYOU_APP_SECRET}"}}}}
ENV = {"YONYOU_APP_SECRET": APP_SECRET}


@pytest.fixture
def server(hub_server_factory: Any) -> Any:
    return hub_server_factory(config=CONFIG, env=ENV)


def _success(answer: dict[str, Any]) -> str:
    crypt = MsgCrypt(APP_SECRET, aes_key_from_secret(APP_SECRET), APP_KEY)
    crypt.verify(answer["msgSignature"], str(answer["timestamp"]), answer["nonce"], answer["encrypt"])
    return crypt.decrypt(answer["encrypt"]).decode()


def test_a_stored_push_is_answered_with_the_vendors_encrypted_success_and_so_is_its_replay(server: Any) -> None:
    """Yonyou pushes an event again for 24 hours until it reads ``success``: a push whose answer was lost
    is answered again (and not stored twice), never refused with a 409 that would keep it coming."""
    raw = (PUSHES / "push_dept_delete.json").read_bytes()
    with server.client() as client:
        answer = client.post("/v1/webhooks/yonyou", content=raw, headers={"Content-Type": "application/json"})
        again = client.post("/v1/webhooks/yonyou", content=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert _success(answer.json()) == "success"
    assert again.status_code == 200 and _success(again.json()) == "success"


def test_the_address_check_is_answered_and_nothing_is_stored(server: Any) -> None:
    raw = (PUSHES / "push_check_url.json").read_bytes()
    with server.client() as client:
        answer = client.post("/v1/webhooks/yonyou", content=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == 200 and _success(answer.json()) == "success"
    assert server.store.dead_letters(system="yonyou") == []


def test_a_push_with_a_bad_signature_is_401(server: Any) -> None:
    body = json.loads((PUSHES / "push_dept_delete.json").read_bytes())
    body["nonce"] = "tampered-nonce00"
    with server.client() as client:
        answer = client.post("/v1/webhooks/yonyou", content=json.dumps(body).encode(),
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 401
