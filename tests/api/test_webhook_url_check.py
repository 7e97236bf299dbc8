"""``GET /v1/webhooks/{connector}``: a vendor's URL check against a real ``hub serve`` — WeCom's ``echostr``,
signed as WeCom signs it, answered with its decrypted text; a bad signature a 401; a connector whose
vendor makes no URL check, or none at all, a 404. Nothing is stored either way."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.msg_crypt import MsgCrypt
from tests.cassettes.hr_suites.wecom._build import CALLBACK_TOKEN, CORPID, ENCODING_AES_KEY

CONFIG = {"connectors": {
    "wecom": {"type": "wecom", "settings": {"corpid": CORPID, "corpsecret": "test-secret-not-real",
                                            "callback_token": CALLBACK_TOKEN, "encoding_aes_key": "${WECOM_AES_KEY}"}},
    "greenhouse": {"type": "greenhouse", "settings": {"client_id": "cid", "client_secret": "csecret",
                                                      "webhook_secret": "whk-test-secret-not-real"}},
}}
ECHO = "7029840154612735093"  # WeCom's random text to echo


@pytest.fixture
def server(hub_server_factory: Any) -> Any:
    return hub_server_factory(config=CONFIG, env={"WECOM_AES_KEY": ENCODING_AES_KEY})


def url_check(nonce: str = "n1") -> dict[str, str]:
    sealed = MsgCrypt(CALLBACK_TOKEN, ENCODING_AES_KEY, CORPID).encrypt(ECHO, nonce=nonce, timestamp="1718000000")
    return {"msg_signature": sealed.signature, "timestamp": sealed.timestamp, "nonce": nonce, "echostr": sealed.encrypt}


def test_a_signed_url_check_is_answered_with_the_plain_echostr(server: Any) -> None:
    with server.client() as client:
        answer = client.get("/v1/webhooks/wecom", params=url_check())
    assert answer.status_code == 200, answer.text
    assert (answer.text, answer.headers["content-type"].split(";")[0]) == (ECHO, "text/plain")


def test_a_bad_signature_is_401_and_a_vendor_without_url_checks_404(server: Any) -> None:
    with server.client() as client:
        assert client.get("/v1/webhooks/wecom", params={**url_check(), "nonce": "other"}).status_code == 401
        assert client.get("/v1/webhooks/wecom", params={**url_check(), "extra": "1"}).status_code == 400
        assert client.get("/v1/webhooks/greenhouse").status_code == 404
        assert client.get("/v1/webhooks/no-such-connector", params=url_check()).status_code == 404
    assert server.store.dead_letters() == []
