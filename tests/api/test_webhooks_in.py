"""``POST /v1/webhooks/{connector}`` against a real ``hub serve``: Greenhouse offer webhooks signed as
Greenhouse signs them (``Signature: sha256 <hex>`` over the raw body, ``Greenhouse-Event-ID``), the
outcome read back from the store the server writes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hub.core.store import Store
from hub.core.store import schema as t
from hub.core.sync import pipeline_for
from plugins.hr_suites.greenhouse import Greenhouse
from tests.store.conftest import pg_url  # noqa: F401 — the session fixture: a fresh, migrated schema

SECRET = "whk-test-secret-not-real"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "greenhouse"
CREDENTIALS = {"client_id": "cid", "client_secret": "csecret"}
SMALL_LIMIT = 2048
CONFIG = {"connectors": {
    "greenhouse": {"type": "greenhouse", "settings": {**CREDENTIALS, "webhook_secret": "${GH_WEBHOOK_SECRET}"}},
    "greenhouse_small": {"type": "greenhouse",
                         "settings": {**CREDENTIALS, "webhook_secret": "${GH_WEBHOOK_SECRET}",
                                      "webhook_max_bytes": SMALL_LIMIT}},
    "greenhouse_unsigned": {"type": "greenhouse", "settings": CREDENTIALS},
    "exports": {"type": "files", "settings": {"path": "exports"}},
}}
ENV = {"GH_WEBHOOK_SECRET": SECRET}
#: In the webhook's free text: must never reach a log line.
MARKER = "Start date agreed by phone"


#: An offer status Greenhouse does not document: the offer mapping refuses it (a bad record).
UNDOCUMENTED = "Pending"


def offer_webhook(offer_id: int, *, status: str = "Created") -> dict[str, Any]:
    """The published ``offer_created`` sample for offer ``offer_id`` of candidate 1003 in ``status``."""
    body = json.loads((FIXTURES / "webhook_offer_created.json").read_bytes())
    body["payload"].update(id=offer_id, offer_status=status, candidate_id=1003)
    return body


def signed(body: dict[str, Any], event_id: str, secret: str = SECRET) -> tuple[dict[str, str], bytes]:
    raw = json.dumps(body).encode()
    signature = "sha256 " + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return {"Signature": signature, "Greenhouse-Event-ID": event_id, "Content-Type": "application/json"}, raw


def post(client: httpx.Client, connector: str, headers: dict[str, str], raw: bytes) -> httpx.Response:
    return client.post(f"/v1/webhooks/{connector}", headers=headers, content=raw)


def stored_offer(store: Store, offer_id: int) -> Any:
    entity_id = store.find("greenhouse", str(offer_id), "offer")
    return None if entity_id is None else store.get("offer", entity_id)


def canonical(entity: Any) -> dict[str, Any]:
    """What the record path decided, without what differs between two stores (ids, times, provenance)."""
    dumped = entity.model_dump(mode="json", exclude={"id", "provenance", "created_at", "updated_at"})
    return {key: value for key, value in dumped.items() if not key.endswith("_id")}


@pytest.fixture
def server(hub_server_factory) -> Any:
    return hub_server_factory(config=CONFIG, env=ENV)


# ---------------------------------------------------------------- accepted


def test_a_signed_webhook_is_stored_through_the_sync_record_path_before_the_200(server, tmp_path) -> None:
    headers, raw = signed(offer_webhook(8101), "evt-1")
    with server.client() as client:
        answer = post(client, "greenhouse", headers, raw)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"received": {"records": 1, "stored": 1, "dead_lettered": 0}}
    offer = stored_offer(server.store, 8101)
    assert offer is not None
    assert (offer.status, str(offer.start_date), offer.compensation.period) == ("draft", "2024-07-01", "annual")
    assert (offer.compensation.base.amount, offer.compensation.base.currency) == (105000, "USD")

    # the same record as a pulled page: the sync's pipeline (mapping, validators, store) over another store
    connector = Greenhouse({**CREDENTIALS, "webhook_secret": SECRET})
    (stream_name, record), = connector.webhook_records(offer_webhook(8101))
    pulled = Store.open(f"sqlite:///{tmp_path / 'pulled.db'}", server.keyring)
    pulled.upgrade()
    with connector.client() as http, pulled.transaction() as tx:
        pipeline_for(connector, connector.stream(stream_name), pulled, client=http, key="greenhouse").process(tx, [record])
    assert canonical(offer) == canonical(stored_offer(pulled, 8101))
    pulled.close()


def test_a_bad_record_becomes_a_dead_letter_and_the_webhook_is_still_acknowledged(server) -> None:
    headers, raw = signed(offer_webhook(8102, status=UNDOCUMENTED), "evt-bad")
    with server.client() as client:
        answer = post(client, "greenhouse", headers, raw)
    assert answer.status_code == 200
    assert answer.json()["received"] == {"records": 1, "stored": 0, "dead_lettered": 1}
    (letter,) = server.store.dead_letters()
    assert (letter.system, letter.stream, letter.record_ref, letter.error_code) == ("greenhouse", "offers", "8102",
                                                                                   "mapping-error")
    assert stored_offer(server.store, 8102) is None
    with server.client() as client:  # acknowledged means received: the vendor's retry is a replay
        assert post(client, "greenhouse", headers, raw).status_code == 409


# ---------------------------------------------------------------- refused


def test_a_bad_signature_is_401_stores_nothing_and_is_logged_without_the_body(server) -> None:
    headers, raw = signed(offer_webhook(8103), "evt-forged", secret="not-the-secret")
    with server.client() as client:
        forged = post(client, "greenhouse", headers, raw)
        unsigned = post(client, "greenhouse", {"Greenhouse-Event-ID": "evt-unsigned"}, raw)
    assert (forged.status_code, forged.json()["code"]) == (401, "webhook-verification-failed")
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "webhook-verification-failed")
    assert stored_offer(server.store, 8103) is None and server.store.dead_letters() == []
    log = server.output()
    assert "webhook refused: connector=greenhouse code=webhook-verification-failed" in log
    assert MARKER not in log and headers["Signature"].split()[1] not in log and SECRET not in log
    with server.client() as client:  # a refused delivery leaves no receipt: the right signature is taken
        assert post(client, "greenhouse", *signed(offer_webhook(8103), "evt-forged")).status_code == 200


def test_a_delivery_sent_again_is_409_and_stored_once(server) -> None:
    headers, raw = signed(offer_webhook(8104), "evt-twice")
    with server.client() as client:
        assert post(client, "greenhouse", headers, raw).status_code == 200
        again = post(client, "greenhouse", headers, raw)
    assert (again.status_code, again.json()["code"]) == (409, "webhook-replay")
    assert "code=webhook-replay" in server.output()
    entity_id = server.store.find("greenhouse", "8104", "offer")
    with server.store.engine.connect() as conn:
        assert conn.execute(sa.select(t.entities.c.version).where(t.entities.c.id == entity_id)).scalar_one() == 1


def test_a_body_over_the_limit_is_413_by_its_length_or_while_it_is_read(server) -> None:
    body = offer_webhook(8105)
    body["payload"]["notes"] = "x" * SMALL_LIMIT
    headers, raw = signed(body, "evt-large")
    with server.client() as client:
        declared = post(client, "greenhouse_small", headers, raw)
        chunked = client.post("/v1/webhooks/greenhouse_small", headers=headers,
                              content=(raw[i:i + 512] for i in range(0, len(raw), 512)))
        taken = post(client, "greenhouse", headers, raw)  # the same body under the default limit (1 MiB)
    assert "content-length" not in chunked.request.headers
    for answer in (declared, chunked):
        assert (answer.status_code, answer.json()["code"]) == (413, "webhook-too-large")
    assert taken.status_code == 200


@pytest.mark.parametrize("connector", ["nope", "exports"], ids=["not configured", "receives no webhooks"])
def test_a_connector_that_takes_no_webhooks_is_404(server, connector) -> None:
    with server.client() as client:
        answer = post(client, connector, *signed(offer_webhook(8106), "evt-404"))
    assert (answer.status_code, answer.json()) == (404, {"code": "not-found",
                                                         "reason": "no connector by that name receives webhooks here"})


def test_a_connector_without_its_webhook_secret_is_503_so_the_vendor_retries(server) -> None:
    with server.client() as client:
        answer = post(client, "greenhouse_unsigned", *signed(offer_webhook(8107), "evt-503"))
    assert (answer.status_code, answer.json()["code"]) == (503, "service-unavailable")
    assert "webhook_secret" not in answer.text  # the operator's problem is in the log, not in the answer
    assert "connector=greenhouse_unsigned code=config-error" in server.output()
    assert "Traceback" not in server.output()


def test_a_verified_body_the_connector_cannot_read_is_400(server) -> None:
    with server.client() as client:
        answer = post(client, "greenhouse", *signed({"action": "offer_created", "payload": [1]}, "evt-400"))
    assert (answer.status_code, answer.json()["code"]) == (400, "webhook-refused")


def test_the_openapi_document_declares_the_signature_as_the_only_authentication(server) -> None:
    with server.client() as client:
        operation = client.get("/v1/openapi.json").json()["paths"]["/v1/webhooks/{connector}"]["post"]
    assert operation["security"] == []
    assert {"200", "401", "404", "409", "413", "503"} <= set(operation["responses"])


# ---------------------------------------------------------------- killed after the answer


def test_webhooks_acknowledged_then_the_server_sigkilled_are_all_stored(server) -> None:
    """Each round: one webhook, its 200, SIGKILL at once (nothing flushed, no shutdown), then the
    store opened again from the file must hold the record; the server restarts for the next round."""
    for round_ in range(5):
        offer_id = 8200 + round_
        with server.client() as client:
            answer = post(client, "greenhouse", *signed(offer_webhook(offer_id), f"evt-kill-{round_}"))
        server.kill()
        assert answer.status_code == 200
        reopened = Store.open(server.database_url, server.keyring)
        assert stored_offer(reopened, offer_id) is not None, f"round {round_}: acknowledged but lost"
        reopened.close()
        server.start()


# ---------------------------------------------------------------- PostgreSQL


def test_a_signed_webhook_is_stored_and_a_replay_refused_on_postgresql(hub_server_factory, pg_url) -> None:  # noqa: F811
    server = hub_server_factory(database_url=pg_url, config=CONFIG, env=ENV)
    headers, raw = signed(offer_webhook(8301), "evt-pg-1")
    with server.client() as client:
        assert post(client, "greenhouse", headers, raw).json()["received"]["stored"] == 1
        assert post(client, "greenhouse", headers, raw).status_code == 409
        bad = post(client, "greenhouse", *signed(offer_webhook(8302, status=UNDOCUMENTED), "evt-pg-2"))
    assert bad.json()["received"]["dead_lettered"] == 1
    assert stored_offer(server.store, 8301).status == "draft"
    assert "8302" in [letter.record_ref for letter in server.store.dead_letters()]
