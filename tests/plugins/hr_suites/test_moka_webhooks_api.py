"""Moka's webhooks through a real ``hub serve``: the signature travels in the URL (``?sign=<hex>``),
so the service hands the query string to the connector; a parameter Moka does not send is a 400, a
wrong ``sign`` a 401, the body's ``id`` seen twice a 409.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import hub_server_factory  # noqa: F401 — the real `hub serve` fixture
from tests.plugins.hr_suites.test_moka_connector import SETTINGS, WEBHOOK, WEBHOOK_SECRET, sign

CONFIG = {"connectors": {"moka": {"type": "moka", "settings": {**SETTINGS, "webhook_secret": "${MOKA_SIGNING_KEY}"}}}}


@pytest.fixture
def server(hub_server_factory) -> Any:  # noqa: F811 — the fixture imported above
    return hub_server_factory(config=CONFIG, env={"MOKA_SIGNING_KEY": WEBHOOK_SECRET})


def post(server: Any, raw: bytes, params: dict[str, str]) -> httpx.Response:
    with server.client() as client:
        return client.post("/v1/webhooks/moka", params=params, headers={"Content-Type": "application/json"},
                           content=raw)


def test_a_delivery_signed_in_the_url_is_stored_once(server: Any) -> None:
    raw = WEBHOOK.read_bytes()
    answer = post(server, raw, {"sign": sign(raw)})
    assert answer.status_code == 200, answer.text
    assert answer.json()["received"] == {"records": 1, "stored": 1, "dead_lettered": 0}
    assert server.store.find("moka", "8002", "application") is not None
    replayed = post(server, raw, {"sign": sign(raw)})
    assert replayed.status_code == 409 and replayed.json()["code"] == "webhook-replay"


def test_a_wrong_or_missing_sign_is_401_and_another_parameter_400(server: Any) -> None:
    raw = WEBHOOK.read_bytes()
    assert post(server, raw, {"sign": sign(raw, "another-key-not-real")}).status_code == 401
    assert post(server, raw, {}).status_code == 401
    refused = post(server, raw, {"sign": sign(raw), "debug": "1"})
    assert refused.status_code == 400 and "sign" in refused.json()["reason"]
    assert server.store.find("moka", "8002", "application") is None
