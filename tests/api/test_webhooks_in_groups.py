"""Group commit: webhooks that arrive together are stored in one transaction, each still answered
for itself — a forged one, a replay (also of a copy in the same group) and a bad record change
nothing for the others.

In-process through :meth:`WebhookReceiver.receive_many` (the exact groups), then against a real
server with many webhooks in flight at once (the groups the server forms).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from hub.core.crypto import KeyRing
from hub.core.errors import WebhookReplayError, WebhookVerificationError
from hub.core.store import Store
from hub.core.sync import Accepted, WebhookReceiver
from plugins.hr_suites.greenhouse import Greenhouse
from tests.api.test_webhooks_in import CONFIG, CREDENTIALS, ENV, SECRET, UNDOCUMENTED, offer_webhook, post, signed, stored_offer


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'hub.db'}", KeyRing.generate("k1"))
    store.upgrade()
    yield store
    store.close()


def test_each_delivery_of_a_group_has_its_own_outcome(store) -> None:
    with WebhookReceiver(Greenhouse({**CREDENTIALS, "webhook_secret": SECRET}), store, key="greenhouse") as receiver:
        receiver.receive(*signed(offer_webhook(9000), "g-0"))
        group = [signed(offer_webhook(9001), "g-1"),
                 signed(offer_webhook(9002), "g-2", secret="forged"),
                 signed(offer_webhook(9003), "g-0"),                      # received before this group
                 signed(offer_webhook(9004, status=UNDOCUMENTED), "g-4"),   # a bad record
                 signed(offer_webhook(9001), "g-1")]                      # a copy of the first, in the same group
        outcomes, total = receiver.receive_many(group)
    assert outcomes[0] == Accepted(records=1, dead_lettered=0)
    assert isinstance(outcomes[1], WebhookVerificationError)
    assert isinstance(outcomes[2], WebhookReplayError) and isinstance(outcomes[4], WebhookReplayError)
    assert outcomes[3] == Accepted(records=1, dead_lettered=1)
    assert (total.records, total.created, total.failed) == (2, 1, 1)
    assert [stored_offer(store, n) is not None for n in (9001, 9002, 9003, 9004)] == [True, False, False, False]
    assert [letter.record_ref for letter in store.dead_letters()] == ["9004"]


def test_webhooks_in_flight_together_are_each_answered_and_stored_once(hub_server_factory) -> None:
    server = hub_server_factory(config=CONFIG, env=ENV)
    sent = [signed(offer_webhook(9100 + n, status=UNDOCUMENTED if n % 10 == 3 else "Created"), f"burst-{n}") for n in range(40)]
    sent += sent[:10]  # the vendor's retries, racing the first copies

    with server.client() as client, ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda delivery: post(client, "greenhouse", *delivery), sent))

    codes = [answer.status_code for answer in answers]
    for n in range(10):  # each delivery sent twice: one copy stored, the other refused
        assert sorted([codes[n], codes[40 + n]]) == [200, 409]
    assert codes[10:40] == [200] * 30
    dead = {f"{9100 + n}" for n in range(40) if n % 10 == 3}
    assert sum(a.json()["received"]["dead_lettered"] for a in answers if a.status_code == 200) == len(dead)
    assert {letter.record_ref for letter in server.store.dead_letters()} == dead
    assert all(stored_offer(server.store, 9100 + n) is not None for n in range(40) if f"{9100 + n}" not in dead)
