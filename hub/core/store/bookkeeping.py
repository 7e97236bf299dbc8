"""What runs keep beside the entities: stream cursors, dead letters, job runs and the audit log.

Four small parts on one :class:`~hub.core.store.database.Database`. Writes take the caller's
transaction, so a sync commits a page with its cursor and its dead letters, or none of them. Other
parts that must leave an audit trail (merges, erasure) receive the :class:`AuditLog`, not the store.

Example:
    >>> from hub.core.store.database import Database
    >>> db = Database.open("sqlite://"); db.upgrade()
    >>> cursors = Cursors(db)
    >>> with db.transaction() as tx:
    ...     cursors.set(tx, "beisen", "assessments", "2024-06-01T00:00:00Z")
    >>> cursors.get(None, "beisen", "assessments")
    '2024-06-01T00:00:00Z'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.core.crypto import KeyRing
from hub.core.errors import HubError, StoreError, run_ending
from hub.core.store import bulk
from hub.core.store import schema as t
from hub.core.store.codec import dumps, loads
from hub.core.store.database import Database
from hub.core.store.schema import new_id

__all__ = ["AuditLog", "Cursors", "DeadLetter", "DeadLetters", "JobRuns"]

#: A sync saves its cursor with every page: the driver's statement, no Core statement built or compiled.
_SET_CURSOR = "UPDATE sync_cursors SET value = ?, updated_at = ? WHERE connector = ? AND stream = ?"


class Cursors:
    """Where each (connector, stream) sync stopped."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, tx: sa.Connection | None, connector: str, stream: str) -> str | None:
        """The saved position of a sync stream (None if it never ran)."""
        c = t.sync_cursors
        with self._db.reading(tx) as conn:
            return conn.execute(
                sa.select(c.c.value).where(c.c.connector == connector, c.c.stream == stream)
            ).scalar_one_or_none()

    def set(self, tx: sa.Connection, connector: str, stream: str, value: str) -> None:
        """Save a stream position in ``tx`` — commit it with the page it follows."""
        now = self._db.now()
        if not bulk.execute_many(tx, _SET_CURSOR, [(value, bulk.bind(tx, t.sync_cursors.c.updated_at, now), connector, stream)]):
            tx.execute(t.sync_cursors.insert().values(connector=connector, stream=stream, value=value, updated_at=now))


@dataclass(frozen=True)
class DeadLetter:
    """A record that could not be stored or delivered; ``payload`` is decrypted only when asked for."""

    id: str
    run_id: str | None
    system: str
    stream: str | None
    record_ref: str | None
    error_code: str
    error: dict[str, Any]
    attempts: int
    status: str
    created_at: dt.datetime
    payload: Any = None


_LETTER_FIELDS = ("id", "run_id", "system", "stream", "record_ref", "error_code", "attempts", "status", "created_at")


class DeadLetters:
    """Failed records kept for replay: the masked error as JSON, the payload encrypted with ``keyring``
    and found by the keyed hashes of what it names (:mod:`hub.core.letter_keys`); a payload read is
    recorded in ``audit``."""

    def __init__(self, db: Database, keyring: KeyRing, audit: AuditLog) -> None:
        self._db = db
        self._keyring = keyring
        self._audit = audit

    def add(
        self,
        tx: sa.Connection,
        *,
        system: str,
        error: HubError | dict[str, Any],
        payload: Any = None,
        stream: str | None = None,
        record_ref: str | None = None,
        run_id: str | None = None,
        attempts: int = 0,
        keys: Iterable[tuple[str, int]] = (),
    ) -> str:
        """Keep a failed record: the (already masked) error as JSON, the payload encrypted with its
        ``keys`` (``(field, hmac)`` of what it names: :func:`hub.core.letter_keys.letter_keys`, which an
        erasure finds it by); returns the letter id.

        A record that fails again while its letter is open updates that letter (same system, stream
        and ``record_ref``): newest error, payload and run, one more attempt (or ``attempts`` if
        higher) — one letter per failing record, however many runs meet it. Records without a
        ``record_ref`` cannot be told apart and always get a new letter, except page-level failures
        (no payload either), which share one open letter per stream.
        """
        detail = error.to_dict() if isinstance(error, HubError) else dict(error)
        d = t.dead_letters
        same = None
        if record_ref is not None or payload is None:
            query = sa.select(d.c.id, d.c.attempts).where(
                d.c.system == system, d.c.stream == stream, d.c.record_ref == record_ref, d.c.status == "open"
            )
            if record_ref is None:  # a page-level failure: never fold it into a record's letter
                query = query.where(d.c.payload.is_(None))
            same = tx.execute(query.limit(1)).first()
        letter_id = same[0] if same else new_id()
        values: dict[str, Any] = {
            "run_id": run_id, "error_code": str(detail.get("code", "unknown")), "error": dumps(detail),
            "attempts": max(attempts, same[1] + 1) if same else attempts,
        }
        if payload is not None or not same:  # a failure without payload keeps the record the letter holds
            values["payload"] = self._seal(letter_id, payload)
        if same:
            tx.execute(d.update().where(d.c.id == letter_id).values(**values))
        else:
            tx.execute(d.insert().values(id=letter_id, system=system, stream=stream, record_ref=record_ref,
                                         status="open", created_at=self._db.now(), **values))
        if "payload" in values:  # the keys tell what the payload the letter now holds names
            k = t.dead_letter_keys
            tx.execute(k.delete().where(k.c.letter_id == letter_id))
            rows = [{"letter_id": letter_id, "field": field, "hmac": hmac} for field, hmac in set(keys)]
            if rows:
                tx.execute(k.insert(), rows)
        return letter_id

    def resolve_stream_failures(self, tx: sa.Connection, *, system: str, stream: str) -> int:
        """Resolve the stream's open page-level letters (no record, no payload): a run just listed
        every page of it, so what could not be reached before was reached. Returns how many."""
        d = t.dead_letters
        return tx.execute(d.update().where(d.c.system == system, d.c.stream == stream, d.c.record_ref.is_(None),
                                           d.c.payload.is_(None), d.c.status == "open").values(status="resolved")).rowcount

    def settle(self, tx: sa.Connection, letter_id: str, *, error: dict[str, Any] | None) -> None:
        """Record a replay of the letter: resolved if ``error`` is None, else open with that error; one more attempt."""
        d = t.dead_letters
        values: dict[str, Any] = {"attempts": d.c.attempts + 1, "status": "open" if error else "resolved"}
        if error:
            values.update(error=dumps(error), error_code=str(error.get("code", "unknown")))
        if tx.execute(d.update().where(d.c.id == letter_id).values(**values)).rowcount != 1:
            raise StoreError(f"no dead letter {letter_id!r}")

    def get(self, letter_id: str, *, reader: str | None = None) -> DeadLetter | None:
        """One dead letter by id (None if there is none); its payload decrypted only for a ``reader``,
        whose read the audit log records like any read of PII (the letter's id, no values)."""
        d = t.dead_letters
        if reader is None:
            with self._db.reading() as conn:
                row = conn.execute(sa.select(d).where(d.c.id == letter_id)).mappings().first()
            return self._letter(row, False) if row else None
        with self._db.transaction() as tx:
            row = tx.execute(sa.select(d).where(d.c.id == letter_id)).mappings().first()
            if row:
                self._audit.add(tx, reader, "read_dead_letter_payload", None, {"dead_letter": letter_id})
        return self._letter(row, True) if row else None

    def search(
        self, *, system: str | None = None, status: str | None = "open", with_payload: bool = False, limit: int = 100
    ) -> list[DeadLetter]:
        """Dead letters, oldest first; payloads are decrypted only with ``with_payload=True``."""
        d = t.dead_letters
        query = sa.select(d).order_by(d.c.created_at, d.c.id).limit(limit)
        if system is not None:
            query = query.where(d.c.system == system)
        if status is not None:
            query = query.where(d.c.status == status)
        with self._db.reading() as conn:
            rows = conn.execute(query).mappings().all()
        return [self._letter(row, with_payload) for row in rows]

    def _seal(self, letter_id: str, payload: Any) -> str | None:
        if payload is None:
            return None
        return self._keyring.encrypt(dumps(payload), aad=("dead_letter", letter_id, "payload"))

    def _letter(self, row: Any, with_payload: bool) -> DeadLetter:
        payload = None
        if with_payload and row["payload"]:
            payload = loads(self._keyring.decrypt(row["payload"], aad=("dead_letter", row["id"], "payload")))
        return DeadLetter(**{k: row[k] for k in _LETTER_FIELDS}, error=loads(row["error"]), payload=payload)


class JobRuns:
    """When each job (sync, delivery, migration, rotation...) started and ended, with its counters."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def start(self, kind: str) -> str:
        """Record that a job started; returns its id."""
        run_id = new_id()
        with self._db.transaction() as tx:
            tx.execute(t.job_runs.insert().values(id=run_id, kind=kind, started_at=self._db.now(), status="running"))
        return run_id

    def finish(self, run_id: str, status: str, counters: dict[str, Any] | None = None) -> None:
        """Record how a job ended (``succeeded`` / ``failed`` / ...) and its counters."""
        with self._db.transaction() as tx:
            tx.execute(
                t.job_runs.update()
                .where(t.job_runs.c.id == run_id)
                .values(finished_at=self._db.now(), status=status, counters=dumps(counters or {}))
            )

    def abort(self, run_id: str, error: BaseException, counters: dict[str, Any] | None = None) -> dict[str, str]:
        """Record a job that ended by an exception (:func:`~hub.core.errors.run_ending`); returns the
        status and error, also put in the counters (over a ``status`` they carry: the counters of an
        unfinished run tell of no ending)."""
        ending = run_ending(error)
        self.finish(run_id, ending["status"], {**(counters or {}), **ending})
        return ending


class AuditLog:
    """Who did what to which entity; entries never hold PII (ids, counts, field names only)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(
        self, tx: sa.Connection, actor: str, action: str, entity_id: str | None = None, detail: dict[str, Any] | None = None
    ) -> None:
        """Append to the audit log in ``tx``."""
        tx.execute(
            t.audit_log.insert().values(
                at=self._db.now(), actor=actor, action=action, entity_id=entity_id, detail=dumps(detail or {})
            )
        )

    def entries(self, entity_id: str | None = None) -> list[dict[str, Any]]:
        """Audit entries (oldest first), optionally for one entity; ``detail`` parsed."""
        a = t.audit_log
        query = sa.select(a).order_by(a.c.id)
        if entity_id is not None:
            query = query.where(a.c.entity_id == entity_id)
        with self._db.reading() as conn:
            return [{**row, "detail": loads(row["detail"] or "{}")} for row in conn.execute(query).mappings()]
