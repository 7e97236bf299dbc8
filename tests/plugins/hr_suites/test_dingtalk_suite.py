"""DingTalk smart HR under the standard connector suite (hub.testing), as every connector is.

The connector is the one its cassettes were recorded with (2 ids a page, clocks pinned:
:class:`RecordedDingTalk`); the cassettes are built by the folder's _build.py. Two checks differ from the
suite's, because DingTalk differs:

* the roster has no modified-since filter (incremental sync is the callbacks'), so there is no cursor to
  resume from: the resume check is replaced by one proving a second full pass changes nothing;
* DingTalk throttles with HTTP 200 and an ``errcode`` (90018), not a 429 with ``Retry-After``: the retry
  check replays that, then a 502 from the gateway, then the pages.

Callbacks are sealed and signed with the test token and EncodingAESKey (:mod:`hub.core.msg_crypt`); the
signature is in the URL (:meth:`TestDingTalk.webhook_query`), and the employee a callback names is fetched
from the ``callbacks`` cassette.
"""

from __future__ import annotations

import json

from hub.core.store import Store
from hub.testing import ConnectorSuite
from hub.testing.cassettes import interactions
from tests.plugins.hr_suites.dingtalk_support import (
    CASSETTES,
    FIXTURES,
    SETTINGS,
    RecordedDingTalk,
    callback_query,
    recorded,
)


class TestDingTalk(ConnectorSuite):
    connector = RecordedDingTalk
    settings = SETTINGS
    cassettes = CASSETTES
    fixtures = FIXTURES
    retried = ("employees", "retried")
    malformed = ("employees", "malformed")
    webhook_samples = (FIXTURES / "callback_user_modify_org.json",)
    webhook_cassette = "callbacks"

    def sign_webhook(self, raw_body: bytes, delivery_id: str) -> dict[str, str]:
        """DingTalk signs in the URL, not in headers."""
        return {}

    def webhook_query(self, raw_body: bytes, delivery_id: str) -> dict[str, str]:
        return callback_query(raw_body, nonce=delivery_id)

    def tamper_webhook(self, raw_body: bytes) -> bytes:
        """The same event sealed again (another random prefix): a valid ciphertext the URL's signature
        does not cover."""
        event = recorded.crypt().decrypt(json.loads(raw_body)["encrypt"])
        sealed = recorded.crypt().encrypt(event, nonce="n", timestamp="t", random16=b"another-random16")
        return json.dumps({"encrypt": sealed.encrypt}).encode()

    def test_cursor_advances_and_a_second_run_resumes_from_it(self, store: Store) -> None:
        """No cursor (see the module docstring): a second full pass over the same roster stores nothing new."""
        first, _ = self._replay(store, "employees", "employees")
        second, cassette = self._replay(store, "employees", "employees")
        assert first.counters.created == len(recorded.ON_JOB) and cassette.all_played
        assert second.counters.created == 0 and second.counters.updated == 0, second.counters
        assert self.connector.stream("employees").cursor_field is None

    def test_a_429_and_a_5xx_are_retried(self, store: Store) -> None:
        """DingTalk's throttling (HTTP 200, errcode 90018) and a gateway 502, each retried."""
        codes = [json.loads(i.response_body or "{}").get("errcode") if i.status == 200 else i.status
                 for i in interactions(self._cassette("retried"))]
        assert 90018 in codes and 502 in codes
        report, cassette = self._replay(store, "retried", "employees")
        assert report.status == "succeeded" and cassette.all_played and report.counters.created == len(recorded.ON_JOB)
