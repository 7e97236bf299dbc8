"""The run ledger: a scratch SQLite file that remembers, per migration run, what the source held.

Why a file and not memory: a migration of millions of rows must remember which records it produced
(for referential integrity and duplicates) and a digest of every field it wrote (for
reconciliation), and a resumed run must still know all of it. Kept in memory that grows with the
file; kept in SQLite it costs O(batch) memory, survives a crash, and sorts for free. The ledger
holds no plaintext PII: external ids, row numbers, keyed digests and blind indexes only.

Tables: ``records`` (kind, external id → row, field digests; last write wins like the store),
``rejected`` (records the validation held back), ``identities`` (blind index → first owner),
``pending`` (references not resolved yet).

Example:
    >>> ledger = Ledger(":memory:")
    >>> ledger.put_records([("candidate", "C1", 2, b"digests")])
    >>> ledger.known("candidate", ["C1", "C2"])
    {'C1'}
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from hub.core.chunks import chunks
from hub.core.crypto import blind_index_from_hex
from hub.core.private import create_private

__all__ = ["Ledger"]

# Why identities has no primary key (kind, field, hmac) but an index on the HMAC alone: blind
# indexes are random, so each batch's claims land on random pages of that index, and every page
# touched is written again at commit. Index entries of one integer are a third the size of
# (kind, field, hmac) ones, so a batch touches fewer pages: 22.7 -> 16.7 µs a row of claims at
# 300,000 rows of three claims each. claim_identities inserts only claims no one holds, so the
# key stays unique without the constraint; a ledger begun with the primary key keeps it.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (kind TEXT, ext TEXT, row INTEGER, digests BLOB, PRIMARY KEY (kind, ext));
CREATE TABLE IF NOT EXISTS rejected (kind TEXT, ext TEXT, PRIMARY KEY (kind, ext));
CREATE TABLE IF NOT EXISTS identities (kind TEXT, field TEXT, hmac INTEGER, ext TEXT, record TEXT);
CREATE INDEX IF NOT EXISTS ix_identities_hmac ON identities (hmac);
CREATE TABLE IF NOT EXISTS pending (kind TEXT, field TEXT, target TEXT, ext TEXT, row INTEGER, record TEXT);
"""


class Ledger:
    """One run's scratch database (``path`` may be ``:memory:`` for a run that cannot resume).

    Writes are committed by :meth:`commit`, which the job calls *before* committing the batch to
    the target: every write here is idempotent, so a crash between the two only repeats work.

    Example:
        >>> ledger = Ledger(":memory:")
        >>> ledger.claim_identities([("candidate", "national_id", -41, "C1", "a.csv:2")])
        [None]
        >>> ledger.claim_identities([("candidate", "national_id", -41, "C9", "a.csv:7"),
        ...                          ("candidate", "national_id", -41, "C1", "a.csv:9")])
        [('C1', 'a.csv:2'), None]
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            create_private(Path(self.path))  # it holds keyed digests and record ids; its -wal takes its mode
        self._db = sqlite3.connect(self.path, isolation_level="DEFERRED")
        # Scratch: WAL without fsync survives a killed process (the OS still has the pages); only a
        # power cut could lose the last batches, and those are re-read on resume anyway.
        # cache_size: 32 MiB of pages instead of SQLite's 2: the claims land on random pages of the
        # identities index (see above), which outgrows 2 MiB within the first 100,000 rows. Claims
        # and records of 1,000,000 rows (bench: 3 claims a row, batches of 2,000) cost 46.2 µs a
        # row with 2 MiB, 40.1 with 16, 35.8 with 32 and 35.8 with 64.
        self._db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-32768;" + _SCHEMA)
        self._convert_hex_identities()

    def _convert_hex_identities(self) -> None:
        """A run begun by a hub older than 64-bit blind indexes claimed identities as hex HMACs:
        convert them (:func:`blind_index_from_hex`), so the resumed run still finds its duplicates."""
        types = {name: type_ for _, name, type_, *_ in self._db.execute("PRAGMA table_info(identities)")}
        if types["hmac"] != "TEXT":
            return
        self._db.create_function("hub_blind_index_from_hex", 1, blind_index_from_hex, deterministic=True)
        self._db.executescript(
            "BEGIN; ALTER TABLE identities RENAME TO identities_hex;" + _SCHEMA
            + "INSERT INTO identities SELECT kind, field, hub_blind_index_from_hex(hmac), ext, record FROM identities_hex;"
            " DROP TABLE identities_hex; COMMIT;"
        )

    def close(self) -> None:
        self._db.close()

    def commit(self) -> None:
        self._db.commit()

    def put_records(self, rows: Iterable[tuple[str, str, int | None, bytes]]) -> None:
        """Remember written records with their field digests; a later row for the same id wins."""
        self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)", rows)

    def put_rejected(self, rows: Iterable[tuple[str, str]]) -> None:
        self._db.executemany("INSERT OR IGNORE INTO rejected VALUES (?, ?)", rows)

    def known(self, kind: str, exts: Iterable[str], *, include_rejected: bool = True) -> set[str]:
        """Which of ``exts`` the source has produced so far (written or, by default, held back)."""
        wanted = sorted(set(exts))
        found: set[str] = set()
        tables = ("records", "rejected") if include_rejected else ("records",)
        for chunk in chunks(wanted):
            marks = ",".join("?" * len(chunk))
            for table in tables:
                query = f"SELECT ext FROM {table} WHERE kind = ? AND ext IN ({marks})"  # noqa: S608 - fixed names
                found.update(ext for (ext,) in self._db.execute(query, [kind, *chunk]))
        return found

    def claim_identities(self, rows: Iterable[tuple[str, str, int, str, str]]) -> list[tuple[str, str] | None]:
        """Claim (kind, field, blind index) for an external id, in order, one query per 500 distinct claims.

        Returns, aligned with ``rows``, None for a claim that is now (or already was) this external
        id's, or ``(first ext, first record)`` when another external id holds it — also when that
        other id claimed it earlier in the same call.
        """
        rows = list(rows)
        owners = self._owners({(kind, field, hmac) for kind, field, hmac, _, _ in rows})
        results: list[tuple[str, str] | None] = []
        fresh = []
        for kind, field, hmac, ext, record in rows:
            owner = owners.get((kind, field, hmac))
            if owner is None:
                owners[(kind, field, hmac)] = (ext, record)
                fresh.append((kind, field, hmac, ext, record))
            results.append(owner if owner is not None and owner[0] != ext else None)
        self._db.executemany("INSERT INTO identities VALUES (?, ?, ?, ?, ?)", fresh)
        return results

    def _owners(self, claims: set[tuple[str, str, int]]) -> dict[tuple[str, str, int], tuple[str, str]]:
        by_field: dict[tuple[str, str], list[int]] = {}
        for kind, field, hmac in claims:
            by_field.setdefault((kind, field), []).append(hmac)
        owners: dict[tuple[str, str, int], tuple[str, str]] = {}
        for (kind, field), hmacs in by_field.items():
            for chunk in chunks(hmacs):
                query = (
                    "SELECT hmac, ext, record FROM identities WHERE kind = ? AND field = ? "  # noqa: S608 - marks only
                    f"AND hmac IN ({','.join('?' * len(chunk))})"
                )
                for hmac, ext, record in self._db.execute(query, [kind, field, *chunk]):
                    owners[(kind, field, hmac)] = (ext, record)
        return owners

    def add_pending(self, rows: Iterable[tuple[str, str, str, str, int | None, str]]) -> None:
        """References (kind, field, target kind, target ext, row, record) not resolved yet."""
        self._db.executemany("INSERT INTO pending VALUES (?, ?, ?, ?, ?, ?)", rows)

    def pending(self) -> list[tuple[str, str, str, str, int | None, str]]:
        return list(self._db.execute("SELECT * FROM pending ORDER BY row, kind, field"))

    def records(self, kind: str) -> Iterator[tuple[str, int | None, bytes]]:
        """(ext, row, digests) of ``kind`` in external-id order, streamed."""
        yield from self._db.execute("SELECT ext, row, digests FROM records WHERE kind = ? ORDER BY ext", (kind,))

    def count(self, kind: str) -> int:
        return self._db.execute("SELECT count(*) FROM records WHERE kind = ?", (kind,)).fetchone()[0]
