"""The run ledger across a hub upgrade: a run begun before 64-bit blind indexes resumes correctly."""

from __future__ import annotations

import hmac
import sqlite3
from pathlib import Path

from hub.core.crypto import KeyRing, normalize_for_index
from hub.core.migrate.ledger import Ledger

#: The identities table as hubs before 64-bit blind indexes created it: the full HMAC as hex text.
_HEX_IDENTITIES = """CREATE TABLE identities (kind TEXT, field TEXT, hmac TEXT, ext TEXT, record TEXT,
                                              PRIMARY KEY (kind, field, hmac))"""


def test_identities_claimed_as_hex_still_find_the_same_person(tmp_path: Path) -> None:
    ring, national_id = KeyRing.generate(), "11010519491231002X"
    full = hmac.digest(ring.field_key("index/national_id"), normalize_for_index("national_id", national_id).encode(), "sha256")
    path = tmp_path / "ledger.db"
    with sqlite3.connect(path) as old:
        old.execute(_HEX_IDENTITIES)
        old.execute("INSERT INTO identities VALUES ('candidate', 'national_id', ?, 'C1', 'a.csv:2')", (full.hex(),))

    ledger = Ledger(path)
    claim = ("candidate", "national_id", ring.blind_index("national_id", national_id), "C9", "a.csv:7")

    assert ledger.claim_identities([claim]) == [("C1", "a.csv:2")]
    ledger.close()
    assert Ledger(path).claim_identities([claim]) == [("C1", "a.csv:2")]  # converted once, and kept
