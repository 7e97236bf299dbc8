"""WeCom under the standard connector suite (hub.testing), as every connector is.

The connector is the one its cassettes were recorded with (2 members a ``list_id`` page, the token clock
pinned: :class:`RecordedWeCom`), replayed with the matcher that checks credentials and JSON bodies on the
wire. The suite's own episodes are in the cassette folder, built by its _build.py: ``retried`` (WeCom's
``45009`` on HTTP 200, a 429 with ``Retry-After``, a 502, then the departments) and ``malformed`` (a member
whose status WeCom does not document). Callbacks are XML sealed with the test EncodingAESKey and signed
on the URL (:meth:`TestWeCom.webhook_query`); the records they name are fetched from the ``events`` cassette.
"""

from __future__ import annotations

from pathlib import Path

import vcr

from hub.core.store import Store
from hub.testing import ConnectorSuite
from tests.plugins.hr_suites.wecom_support import SAMPLES, SETTINGS, RecordedWeCom, nonce_of, replaying, signed_query

TESTS = Path(__file__).resolve().parents[2]


class TestWeCom(ConnectorSuite):
    connector = RecordedWeCom
    settings = SETTINGS
    cassettes = TESTS / "cassettes" / "hr_suites" / "wecom"
    fixtures = TESTS / "fixtures" / "mapping" / "wecom"
    retried = ("departments", "retried")
    malformed = ("users", "malformed")
    webhook_samples = (SAMPLES / "callback_create_user.xml", SAMPLES / "callback_update_party.xml")
    webhook_cassette = "events"
    min_stream_pages = 1  # department/list answers with every department at once (users span 3 pages)

    def vcr(self) -> vcr.VCR:
        return replaying(Path(self.cassettes))

    def sign_webhook(self, raw_body: bytes, delivery_id: str) -> dict[str, str]:
        return {"Content-Type": "text/xml"}

    def webhook_query(self, raw_body: bytes, delivery_id: str) -> dict[str, str]:
        """``msg_signature``, ``timestamp`` and a nonce per delivery on the URL."""
        return signed_query(raw_body, nonce_of(delivery_id))

    def tamper_webhook(self, raw_body: bytes) -> bytes:
        """Another ciphertext than the one signed: the first base64 character of ``<Encrypt>`` changed."""
        start = raw_body.index(b"<Encrypt><![CDATA[") + len(b"<Encrypt><![CDATA[")
        return raw_body[:start] + (b"A" if raw_body[start:start + 1] != b"A" else b"B") + raw_body[start + 1:]

    def test_cursor_advances_and_a_second_run_resumes_from_it(self, store: Store) -> None:
        """WeCom has no "changed since" filter (docs/connectors/wecom.md): no stream declares a cursor, every
        pull is a full pass, and changes come by callback (the webhook checks). This replaces the resume
        check with that claim, so a cursor added without a resume cassette fails here."""
        assert not [s.name for s in self.connector.streams if s.cursor_field], "a stream declares a cursor: add resume"
