"""Yonyou YonBIP under the standard connector suite (hub.testing), as every connector is.

The connector is the one its cassettes were recorded with (2 staff a page, the token clock pinned:
:class:`RecordedYonyou`), replayed with the matcher that checks the signed token request and each
call's JSON body (``wire``). The suite's own episodes are in the cassette folder, built by its
_build.py: ``retried`` (a 429 with ``Retry-After``, then a 503, mid-pass), ``resume`` (staff from the
``pubts`` the full pass leaves) and ``malformed`` (a staff member whose ``enable`` no table names).

The department tree arrives whole in one answer (the documented ``/admindept/tree`` has no paging), so
the suite asks every stream for one page at least (``min_stream_pages = 1``); the staff stream spans
three. The pushes are encrypted and signed in the body (``msgSignature`` over appSecret, timestamp,
nonce and the ciphertext): :meth:`TestYonyou.sign_webhook` adds no header and
:meth:`TestYonyou.tamper_webhook` changes the ciphertext; the staff they name are fetched from
``events.yaml``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import vcr

from hub.testing import ConnectorSuite
from hub.testing.cassettes import scrubbing_vcr
from tests.plugins.erp.test_yonyou_connector import MATCH_ON, SETTINGS, RecordedYonyou, wire

TESTS = Path(__file__).resolve().parents[2]
PUSHES = TESTS / "fixtures" / "yonyou"


class TestYonyou(ConnectorSuite):
    connector = RecordedYonyou
    settings = SETTINGS
    cassettes = TESTS / "cassettes" / "erp" / "yonyou"
    fixtures = TESTS / "fixtures" / "mapping" / "yonyou"
    min_stream_pages = 1
    resume = ("staff", "resume")
    retried = ("staff", "retried")
    malformed = ("staff", "malformed")
    webhook_samples = (PUSHES / "push_staff_add.json", PUSHES / "push_staff_disable.json",
                       PUSHES / "push_dept_update.json")
    webhook_cassette = "events"

    def vcr(self) -> vcr.VCR:
        """The scrubbing VCR, matching the signed token request and each call's body (see ``wire``)."""
        return scrubbing_vcr(Path(self.cassettes), match_on=MATCH_ON, matchers={"wire": wire})

    def sign_webhook(self, raw_body: bytes, delivery_id: str) -> dict[str, str]:
        return {"Content-Type": "application/json"}  # the signature travels in the body

    def tamper_webhook(self, raw_body: bytes) -> bytes:
        body = json.loads(raw_body)
        data = bytearray(base64.b64decode(body["encrypt"]))
        data[-1] ^= 0x01
        body["encrypt"] = base64.b64encode(bytes(data)).decode()
        return json.dumps(body).encode()
