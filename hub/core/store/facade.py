"""The store as its callers know it: one :class:`Store` composed of the parts, each with one job.

The parts — :class:`~hub.core.store.upsert.Upserter` and
:class:`~hub.core.store.writes.EntityWriter` (entity writes), :class:`~hub.core.store.reads.EntityReader`,
:class:`~hub.core.store.deletion.Deletions`, :class:`~hub.core.store.identity.Merges` (identity),
the bookkeeping parts (cursors, dead letters, job runs, audit), the webhook receipts, the API tokens,
:class:`~hub.core.store.lookup.RecordLookup` (finding records for an operator), :class:`~hub.core.store.feed.ChangeFeed`,
:class:`~hub.core.store.catalog.Catalog` (what a token may read), :class:`~hub.core.store.erase.Erasure`
and :class:`~hub.core.store.rotation.KeyRotation` — receive the collaborators they need when the
store builds them; none imports this module back. :class:`Store` only wires them and forwards
calls, so sync, migration and delivery keep one object to hold.

Everything that writes takes the caller's transaction (``with store.transaction() as tx``) so a sync
commits a page of records and its cursor together, or neither.

Example:
    >>> from hub.core.crypto import KeyRing
    >>> from hub.core.models import Candidate
    >>> store = Store.open("sqlite://", KeyRing.generate()); store.upgrade()
    >>> with store.transaction() as tx:
    ...     result = store.upsert_many(tx, "ats", [Candidate(external_ids={"ats": "1"}, name="李娜")])
    >>> result.created, store.get("candidate", result.ids[0]).name
    (1, '李娜')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.core.access import Grant
from hub.core.crypto import KeyRing
from hub.core.errors import HubError
from hub.core.keys import keyring_from_config
from hub.core.models import Entity
from hub.core.store.bookkeeping import AuditLog, Cursors, DeadLetter, DeadLetters, JobRuns
from hub.core.store.catalog import Catalog, Page, Record, RecordFilter
from hub.core.store.codec import EntityCodec, Prepared, Snapshot
from hub.core.store.database import Database
from hub.core.store.deletion import Deletions
from hub.core.store.erase import Erasure, ErasureReport
from hub.core.store.identity import IdentityRules, Merges
from hub.core.store.keycheck import KeyChecks
from hub.core.store.lookup import RecordIds, RecordLookup
from hub.core.store.feed import Change, ChangeFeed
from hub.core.store.reads import EntityReader
from hub.core.store.receipts import WebhookReceipts
from hub.core.store.rotation import KeyRotation, RotationReport
from hub.core.store.tokens import ApiTokens
from hub.core.store.upsert import Upserter, UpsertResult
from hub.core.store.writes import ChangeListener, EntityWriter

__all__ = ["Store"]


class Store:
    """The encrypted canonical store on one database (SQLite file or PostgreSQL).

    Build it with :meth:`open`; call :meth:`upgrade` once to apply migrations.

    Example:
        >>> store = Store.open("sqlite://", KeyRing.generate()); store.upgrade()
        >>> with store.transaction() as tx:
        ...     store.set_cursor(tx, "beisen", "assessments", "2024-06-01T00:00:00Z")
        >>> store.get_cursor(None, "beisen", "assessments")
        '2024-06-01T00:00:00Z'
    """

    def __init__(self, engine: sa.Engine, keyring: KeyRing, identity: IdentityRules | None = None) -> None:
        self.engine = engine
        self.codec = EntityCodec(keyring)
        self.identity = identity or IdentityRules.default()
        db = self._db = Database(engine)
        self._audit = AuditLog(db)
        self._cursors = Cursors(db)
        self._letters = DeadLetters(db, keyring, self._audit)
        self._runs = JobRuns(db)
        self._writer = EntityWriter(db, self.codec)
        self._merges = Merges(db, self.codec, self._writer, self._audit)
        self._upserter = Upserter(self.codec, self.identity, self._writer, self._merges)
        self._reader = EntityReader(db, self.codec)
        self._deletions = Deletions(self._writer)
        self._erasure = Erasure(db, keyring, self._audit)
        self._rotation = KeyRotation(db, keyring)
        self._key_checks = KeyChecks(db)
        self._lookup = RecordLookup(db, self.codec, self._reader, self._audit)
        self._feed = ChangeFeed(db, self.codec, self._audit)
        self._receipts = WebhookReceipts(db)
        self._tokens = ApiTokens(db)
        self._catalog = Catalog(db, self.codec, self._reader, self._lookup)

    @classmethod
    def open(cls, url: str, keyring: KeyRing, *, identity: IdentityRules | None = None) -> Store:
        """Connect to ``url`` (``sqlite:///hub.db``, ``postgresql+psycopg://user@host/db``).

        Query parameters are passed to the driver, e.g. ``?options=-csearch_path%3Dmyschema`` on PostgreSQL.
        Bound parameters are hidden from database error messages (they may hold tokens).

        Raises:
            KeyRingMismatchError: ``keyring`` is not the ring the store was written with
                (:mod:`hub.core.store.keycheck`): refused before anything is read or written.
        """
        store = cls(Database.open(url).engine, keyring, identity)
        store._key_checks.verify(keyring)
        return store

    @classmethod
    def for_dry_run(cls, url: str, keyring: KeyRing | None) -> Store:
        """A store for a dry run, which reads (external ids, to resolve references) and writes nothing.

        A SQLite file that does not exist is not created: the run gets an empty in-memory store with
        the schema, which is what a first real run would find. Without a key ring the run gets a
        throwaway one, unchecked against the store's key checks: a dry run decrypts nothing and its
        blind indexes compare only records of its own input. A ring that is given is verified.
        """
        if not cls.exists(url):
            store = cls(Database.open("sqlite://").engine, keyring or KeyRing.generate())
            store._db.upgrade()
            return store
        if keyring is None:
            return cls(Database.open(url).engine, KeyRing.generate())
        return cls.open(url, keyring)

    @staticmethod
    def exists(url: str) -> bool:
        """False for a SQLite file not created yet (opening it would create it); a server database
        is taken to exist — connecting tells.

        Example:
            >>> Store.exists("sqlite:////nonexistent/hub.db"), Store.exists("sqlite://")
            (False, True)
        """
        parsed = sa.engine.make_url(url)
        database = parsed.database if parsed.get_backend_name() == "sqlite" else None
        return database in (None, "", ":memory:") or Path(database).exists()  # type: ignore[arg-type]

    @staticmethod
    def upgrade_schema(url: str) -> str | None:
        """Apply pending migrations to the database at ``url`` without a key ring (``hub db upgrade``);
        returns the revision it is at. The key checks wait for the first store opened with a ring."""
        db = Database.open(url)
        try:
            db.upgrade()
            return db.current_revision()
        finally:
            db.close()

    @staticmethod
    def schema_revision(url: str) -> str | None:
        """The migration revision of the database at ``url`` (None before any upgrade), without a key ring;
        a SQLite file not created yet stays uncreated."""
        if not Store.exists(url):
            return None
        db = Database.open(url)
        try:
            return db.current_revision()
        finally:
            db.close()

    @classmethod
    def from_config(cls, config: Any) -> Store:
        """The store hub.yaml describes: ``database.url`` (or HUB_DATABASE_URL) and the ``keys`` provider."""
        return cls.open(config.database.url, keyring_from_config(config.keys.provider, config.keys.settings))

    @property
    def keyring(self) -> KeyRing:
        return self.codec.keyring

    @property
    def api_tokens(self) -> ApiTokens:
        """The HTTP service's bearer tokens (:mod:`~hub.core.store.tokens`)."""
        return self._tokens

    def close(self) -> None:
        self._db.close()

    def forget_connections(self) -> None:
        """See :meth:`Database.forget_connections` (a forked child drops the parent's connections)."""
        self._db.forget_connections()

    now = staticmethod(Database.now)

    # ---- schema and transactions (hub.core.store.database) ------------------------------------

    def _alembic(self, connection: sa.Connection) -> Any:
        return self._db.alembic_config(connection)

    def upgrade(self, revision: str = "head") -> None:
        """Apply Alembic migrations up to ``revision`` (idempotent), then check the key ring against
        the store and record the check values of keys it has not seen (every writer upgrades first)."""
        self._db.upgrade(revision)
        if self._db.has_table("key_checks"):
            self._key_checks.verify(self.keyring)
            self._key_checks.record(self.keyring)

    def current_revision(self) -> str | None:
        """The migration revision the database is at (None before :meth:`upgrade`)."""
        return self._db.current_revision()

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One database transaction: commits on success, rolls back on any exception."""
        with self._db.transaction() as tx:
            yield tx

    @contextmanager
    def reading(self, tx: sa.Connection | None = None) -> Iterator[sa.Connection]:
        """``tx`` if given, else a read-only connection (see :meth:`Database.reading`)."""
        with self._db.reading(tx) as conn:
            yield conn

    # ---- entity writes (upsert, writes, deletion) ---------------------------------------------

    def add_change_listener(self, listener: ChangeListener) -> None:
        """Call ``listener(tx, changes)`` in the transaction of every entity write (see :class:`EntityWriter`).

        Lets delivery write its outbox entries atomically with the change (:mod:`hub.core.delivery`).
        """
        self._writer.add_listener(listener)

    def upsert_many(
        self, tx: sa.Connection, system: str, entities: Sequence[Entity], *, origin: str | None = None
    ) -> UpsertResult:
        """Insert or update canonical entities that ``system`` sent, inside ``tx`` (:meth:`Upserter.upsert_many`)."""
        return self._upserter.upsert_many(tx, system, entities, origin=origin)

    def upsert_prepared(
        self, tx: sa.Connection, system: str, prepared: Sequence[Prepared], *, origin: str | None = None
    ) -> UpsertResult:
        """:meth:`upsert_many` for records already through :meth:`EntityCodec.prepare` (:meth:`Upserter.upsert_prepared`)."""
        return self._upserter.upsert_prepared(tx, system, prepared, origin=origin)

    def write_entity(
        self, tx: sa.Connection, kind: str, entity_id: str, content: Snapshot, *, version: int, origin: str | None, op: str
    ) -> None:
        """Write one entity's full content (``version`` 0 inserts)."""
        self._writer.write_one(tx, kind, entity_id, content, version=version, origin=origin, op=op)

    def mark_deleted(
        self, tx: sa.Connection, system: str, kind: str, external_ids: Sequence[str], *, origin: str | None = None
    ) -> int:
        """Mark deleted the live entities ``system`` knows as ``external_ids`` (:meth:`Deletions.mark_deleted`)."""
        return self._deletions.mark_deleted(tx, system, kind, external_ids, origin=origin)

    def record_seen(self, tx: sa.Connection, pass_id: str, external_ids: Sequence[str]) -> None:
        """Remember that the full-refresh pass ``pass_id`` listed ``external_ids`` (:meth:`Deletions.record_seen`)."""
        self._deletions.record_seen(tx, pass_id, external_ids)

    def mark_missing_deleted(
        self, tx: sa.Connection, system: str, kind: str, pass_id: str, *, origin: str | None = None
    ) -> int:
        """End a full-refresh pass, marking deleted what it did not list (:meth:`Deletions.mark_missing_deleted`)."""
        return self._deletions.mark_missing_deleted(tx, system, kind, pass_id, origin=origin)

    def forget_pass(self, tx: sa.Connection, pass_id: str) -> None:
        """Drop what :meth:`record_seen` kept for ``pass_id``."""
        self._deletions.forget_pass(tx, pass_id)

    # ---- entity reads (reads) ------------------------------------------------------------------

    def deleted_at(self, kind: str, entity_id: str, *, tx: sa.Connection | None = None) -> dt.datetime | None:
        """When the entity was marked deleted (UTC), or None while it is live. StoreError if absent."""
        return self._reader.deleted_at(kind, entity_id, tx=tx)

    def get(self, kind: str, entity_id: str, *, tx: sa.Connection | None = None) -> Entity:
        """The entity, decrypted. Raises StoreError if absent, Decryption/KeyNotFoundError if unreadable."""
        return self._reader.get(kind, entity_id, tx=tx)

    def get_many(self, kind: str, entity_ids: Sequence[str], *, tx: sa.Connection | None = None) -> list[Entity]:
        """Entities by id (decrypted), in the order given; ids not stored are skipped."""
        return self._reader.get_many(kind, entity_ids, tx=tx)

    def find(self, system: str, external_id: str, kind: str | None = None) -> str | None:
        """The hub id of the entity ``system`` knows as ``external_id`` (StoreError if ambiguous)."""
        return self._reader.find(system, external_id, kind)

    def versions(self, tx: sa.Connection, entity_ids: Iterable[str]) -> dict[str, int]:
        """``{entity id: current version}`` of those of ``entity_ids`` that are stored, in ``tx``."""
        return self._reader.versions(tx, entity_ids)

    def known_external_ids(self, system: str, kind: str, external_ids: Iterable[str]) -> set[str]:
        """Which of ``external_ids`` ``system`` has stored as records of ``kind``."""
        return self._reader.known(system, kind, external_ids)

    def count_external_ids(self, system: str, kind: str) -> int:
        """How many records of ``kind`` ``system`` has stored."""
        return self._reader.count(system, kind)

    def fields_as_stored(
        self, system: str, kind: str, external_ids: Sequence[str], *, chunk_size: int
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """The stored records' fields as JSON texts, PII decrypted (:meth:`EntityReader.fields_as_stored`)."""
        return self._reader.fields_as_stored(system, kind, external_ids, chunk_size=chunk_size)

    def changes(
        self, after_seq: int = 0, limit: int = 100, *, kinds: Collection[str] | None = None, grant: Grant | None = None
    ) -> list[Change]:
        """The change feed: entries with ``seq > after_seq`` in order, at most ``limit``, of ``kinds``;
        under a ``grant`` only what it may see, each with its state at that version, PII masked unless
        it holds pii:read (those reads audited) (:meth:`ChangeFeed.page`)."""
        return self._feed.page(after_seq, limit, kinds=kinds, grant=grant)

    # ---- finding records for an operator (lookup) ----------------------------------------------

    def records_by_pii(self, field: str, value: str, *, kind: str | None = None) -> list[RecordIds]:
        """Entities whose blind-indexed ``field`` (national_id, phones, emails) holds ``value``, given in
        the form the record path stores (:meth:`RecordLookup.by_pii`)."""
        return self._lookup.by_pii(field, value, kind)

    def records_by_external_id(self, system: str, external_id: str, *, kind: str | None = None) -> list[RecordIds]:
        """Entities of any kind (or ``kind``) that ``system`` knows as ``external_id``."""
        return self._lookup.by_external_id(system, external_id, kind)

    def record_ids(self, entity_id: str) -> RecordIds | None:
        """The kind, external ids and state of one entity, no PII read (None if there is none)."""
        return self._lookup.ids_of(entity_id)

    def read_pii(self, entity_id: str, actor: str) -> Entity:
        """The entity with its PII in plaintext, the read audited for ``actor`` (:meth:`RecordLookup.read_pii`)."""
        return self._lookup.read_pii(entity_id, actor)

    # ---- what a token may read (catalog: the HTTP service's read API) ---------------------------

    def records_page(self, grant: Grant, kind: str, filters: RecordFilter, *, after: str | None, limit: int) -> Page:
        """A page of the records of ``kind`` ``grant`` sees, in hub id order after ``after`` (:meth:`Catalog.page`)."""
        return self._catalog.page(grant, kind, filters, after=after, limit=limit)

    def visible_record(self, grant: Grant, kind: str, entity_id: str) -> Record | None:
        """One record if ``grant`` sees it; None if absent or out of scope alike (:meth:`Catalog.get`)."""
        return self._catalog.get(grant, kind, entity_id)

    def visible_by_pii(self, grant: Grant, field: str, value: str) -> list[Record]:
        """The records ``grant`` sees whose blind-indexed ``field`` holds ``value`` (:meth:`Catalog.by_pii`)."""
        return self._catalog.by_pii(grant, field, value)

    def visible_by_external_id(self, grant: Grant, system: str, external_id: str) -> list[Record]:
        """The records ``grant`` sees that ``system`` knows as ``external_id`` (:meth:`Catalog.by_external_id`)."""
        return self._catalog.by_external_id(grant, system, external_id)

    # ---- cursors, dead letters, job runs, audit (bookkeeping); webhook receipts (receipts) -----

    def get_cursor(self, tx: sa.Connection | None, connector: str, stream: str) -> str | None:
        """The saved position of a sync stream (None if it never ran)."""
        return self._cursors.get(tx, connector, stream)

    def set_cursor(self, tx: sa.Connection, connector: str, stream: str, value: str) -> None:
        """Save a stream position in ``tx`` — commit it with the page it follows."""
        self._cursors.set(tx, connector, stream, value)

    def record_webhook_receipt(self, tx: sa.Connection, connector: str, delivery_id: str) -> bool:
        """Record a webhook delivery in ``tx``; False if it was received before (:mod:`~hub.core.store.receipts`)."""
        return self._receipts.record(tx, connector, delivery_id)

    def record_webhook_receipts(self, tx: sa.Connection, connector: str, delivery_ids: Sequence[str]) -> set[str]:
        """Record several webhook deliveries in ``tx``; the ids not received before (:mod:`~hub.core.store.receipts`)."""
        return self._receipts.record_many(tx, connector, delivery_ids)

    def add_dead_letter(
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
        """Keep a failed record, payload encrypted, found by ``keys`` (:func:`hub.core.letter_keys.letter_keys`)
        when its person is erased; returns the letter id (:meth:`DeadLetters.add`)."""
        return self._letters.add(tx, system=system, error=error, payload=payload, stream=stream,
                                 record_ref=record_ref, run_id=run_id, attempts=attempts, keys=keys)

    def resolve_stream_failures(self, tx: sa.Connection, *, system: str, stream: str) -> int:
        """Resolve a stream's open page-level letters once a run of it succeeded (:meth:`DeadLetters.resolve_stream_failures`)."""
        return self._letters.resolve_stream_failures(tx, system=system, stream=stream)

    def settle_dead_letter(self, tx: sa.Connection, letter_id: str, *, error: dict[str, Any] | None) -> None:
        """Record a replay of the letter: resolved if ``error`` is None, else open with that error."""
        self._letters.settle(tx, letter_id, error=error)

    def dead_letter(self, letter_id: str, *, reader: str | None = None) -> DeadLetter | None:
        """One dead letter by id (None if there is none); its payload decrypted only for a ``reader``,
        whose read is audited (:meth:`DeadLetters.get`)."""
        return self._letters.get(letter_id, reader=reader)

    def dead_letters(
        self, *, system: str | None = None, status: str | None = "open", with_payload: bool = False, limit: int = 100
    ) -> list[DeadLetter]:
        """Dead letters, oldest first; payloads are decrypted only with ``with_payload=True``."""
        return self._letters.search(system=system, status=status, with_payload=with_payload, limit=limit)

    def start_job_run(self, kind: str) -> str:
        """Record that a job (sync, delivery, migration, rotation...) started; returns its id."""
        return self._runs.start(kind)

    def finish_job_run(self, run_id: str, status: str, counters: dict[str, Any] | None = None) -> None:
        """Record how a job ended (``succeeded`` / ``failed`` / ...) and its counters."""
        self._runs.finish(run_id, status, counters)

    def abort_job_run(self, run_id: str, error: BaseException, counters: dict[str, Any] | None = None) -> dict[str, str]:
        """Record a job that an exception ended (``failed``, or ``interrupted`` by Ctrl-C), never left
        ``running``; returns the status and error recorded."""
        return self._runs.abort(run_id, error, counters)

    def audit(
        self, tx: sa.Connection, actor: str, action: str, entity_id: str | None = None, detail: dict[str, Any] | None = None
    ) -> None:
        """Append to the audit log. ``detail`` must not hold PII (ids, counts, field names only)."""
        self._audit.add(tx, actor, action, entity_id, detail)

    def audit_entries(self, entity_id: str | None = None) -> list[dict[str, Any]]:
        """Audit entries (oldest first), optionally for one entity; ``detail`` parsed."""
        return self._audit.entries(entity_id)

    # ---- identity, erasure, rotation -----------------------------------------------------------

    def unmerge(self, merge_id: str, *, actor: str = "system") -> str:
        """Undo an identity merge; returns the id of the re-created entity (:meth:`Merges.unmerge`)."""
        return self._merges.unmerge(merge_id, actor=actor)

    def merges(self, entity_id: str) -> list[dict[str, Any]]:
        """Merges into ``entity_id`` (without their encrypted snapshots), oldest first."""
        return self._merges.of(entity_id)

    def erase_candidate(self, candidate_id: str, actor: str, *, dry_run: bool = False) -> ErasureReport:
        """Remove a person's PII everywhere (:mod:`hub.core.store.erase`)."""
        return self._erasure.erase_candidate(candidate_id, actor, dry_run=dry_run)

    def rotate_keys(self, *, batch_size: int = 500, dry_run: bool = False, max_batches: int | None = None) -> RotationReport:
        """Re-encrypt every token with the active key, resumably (:mod:`hub.core.store.rotation`); the
        key checks learn the new key first and, once the rotation finishes, forget the retired ones."""
        if not dry_run:
            self._key_checks.record(self.keyring)
        report = self._rotation.rotate(batch_size=batch_size, dry_run=dry_run, max_batches=max_batches)
        if report.finished and not dry_run:
            self._key_checks.record(self.keyring, rotated=True)
        return report
