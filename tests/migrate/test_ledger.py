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


def test_a_claim_is_held_once_by_kind_and_field_however_often_it_is_replayed(tmp_path: Path) -> None:
    """The identities table has no unique key: claim_identities itself keeps one row per (kind,
    field, blind index). A replayed batch (after a crash) claims again as the same owner; the same
    blind index under another kind or field is another identity."""
    ledger = Ledger(tmp_path / "run.ledger")
    mine = ("candidate", "national_id", 41, "C1", "a.csv:2")
    assert ledger.claim_identities([mine, mine]) == [None, None]
    ledger.commit()
    assert ledger.claim_identities([mine]) == [None]  # replayed after a crash
    others = [("employee", "national_id", 41, "E1", "b.csv:2"), ("candidate", "phones", 41, "C2", "a.csv:3")]
    assert ledger.claim_identities(others) == [None, None]
    assert ledger.claim_identities([("candidate", "national_id", 41, "C7", "a.csv:8")]) == [("C1", "a.csv:2")]
    ledger.commit()
    with sqlite3.connect(tmp_path / "run.ledger") as db:
        assert db.execute("SELECT kind, field, ext FROM identities ORDER BY rowid").fetchall() == [
            ("candidate", "national_id", "C1"), ("employee", "national_id", "E1"), ("candidate", "phones", "C2")
        ]


def test_a_ledger_begun_with_the_identity_primary_key_resumes(tmp_path: Path) -> None:
    """A run begun by the previous hub (identities keyed by (kind, field, hmac)) keeps its table and
    still finds the people it claimed."""
    path = tmp_path / "run.ledger"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE identities (kind TEXT, field TEXT, hmac INTEGER, ext TEXT, record TEXT,"
                    " PRIMARY KEY (kind, field, hmac))")  # fmt: skip
        old.execute("INSERT INTO identities VALUES ('candidate', 'phones', -7, 'C1', 'a.csv:2')")
    ledger = Ledger(path)
    assert ledger.claim_identities([("candidate", "phones", -7, "C5", "a.csv:6"), ("candidate", "phones", 8, "C5", "a.csv:6")]) == [
        ("C1", "a.csv:2"), None
    ]
    ledger.commit()
    assert ledger.claim_identities([("candidate", "phones", 8, "C9", "a.csv:10")]) == [("C5", "a.csv:6")]


def test_the_ledger_keeps_32_mib_of_pages_in_memory(tmp_path: Path) -> None:
    """The identity claims hit random pages; SQLite's default 2 MiB cache made them a quarter slower
    at a million rows (see the comment in ``Ledger.__init__``)."""
    ledger = Ledger(tmp_path / "run.ledger")
    assert ledger._db.execute("PRAGMA cache_size").fetchone() == (-32768,)
    ledger.close()
