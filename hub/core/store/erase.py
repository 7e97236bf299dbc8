"""Erasure of one person (PIPL art. 47 / GDPR art. 17): PII gone everywhere, skeleton and audit kept.

What is removed, in one transaction: the candidate's PII tokens (including the raw vendor payload),
its blind indexes, the PII tokens of every entity that references it directly or through another
(applications, and the assessments, feedback and offers of those: their raw payloads and free text
name the person), the encrypted payloads of every dead letter that holds the person however it is
named — by one of their external ids, or by the keys kept with it (:mod:`hub.core.letter_keys`):
a blind index of the person's, or a link to one of their records — and the snapshots of merges they
took part in, and the PII of every past version the change feed keeps (``change_log.pii``). What stays: the non-PII skeleton (ids, statuses, scores, dates) marked ``erased`` — the
store ignores later upserts into an erased entity — a change-log entry and an audit entry listing
what was removed (no values). On SQLite the removed bytes are overwritten (``secure_delete``) and the
WAL is checkpointed and truncated, so they linger neither in the file's free space nor in the WAL.

Example:
    >>> ErasureReport("c-1", entities=2, blind_indexes=3, dead_letters=1, merges=0, dry_run=True).entities
    2
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import sqlalchemy as sa

from hub.core.crypto import HUB_IDS, LINK, KeyRing
from hub.core.errors import StoreError
from hub.core.store import schema as t
from hub.core.store.bookkeeping import AuditLog
from hub.core.store.codec import dumps, kind_info, loads
from hub.core.store.database import Database
from hub.core.store.writes import lock_change_log

__all__ = ["ErasureReport", "Erasure"]


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure removed (or, with ``dry_run``, would remove)."""

    candidate_id: str
    entities: int
    blind_indexes: int
    dead_letters: int
    merges: int
    dry_run: bool = False


class Erasure:
    """Erases a person on ``db``, leaving an entry (what was removed, no values) in ``audit``.

    Example:
        >>> db = Database.open("sqlite://"); db.upgrade()
        >>> Erasure(db, KeyRing.generate(), AuditLog(db)).erase_candidate("c-1", "dpo", dry_run=True)
        Traceback (most recent call last):
        ...
        hub.core.errors.StoreError: [store-error] candidate c-1: no such candidate
    """

    def __init__(self, db: Database, keyring: KeyRing, audit: AuditLog) -> None:
        self._db = db
        self._keyring = keyring
        self._audit = audit

    def erase_candidate(self, candidate_id: str, actor: str, *, dry_run: bool = False) -> ErasureReport:
        """Erase the candidate's PII everywhere; see the module docstring for the exact scope."""
        e, b, d, k, m = t.entities, t.blind_index, t.dead_letters, t.dead_letter_keys, t.merges
        with self._db.transaction() as tx:
            kind = tx.execute(sa.select(e.c.kind).where(e.c.id == candidate_id)).scalar_one_or_none()
            if kind != "candidate":
                raise StoreError("no such candidate", entity="candidate", record_id=candidate_id)
            self._db.overwrite_deletions(tx)
            targets = [candidate_id, *_referencing(tx, candidate_id)]
            letters = tx.execute(sa.select(d.c.id, d.c.payload.is_not(None)).where(self._letters_of(tx, targets))).all()
            letter_ids = [letter_id for letter_id, _ in letters]
            blind = tx.execute(sa.select(sa.func.count()).select_from(b).where(b.c.entity_id.in_(targets))).scalar_one()
            letter_count = sum(1 for _, has_payload in letters if has_payload)
            merge_filter = sa.or_(m.c.survivor_id.in_(targets), m.c.split_entity_id.in_(targets))
            merge_count = tx.execute(sa.select(sa.func.count()).select_from(m).where(merge_filter)).scalar_one()
            report = ErasureReport(candidate_id, len(targets), blind, letter_count, merge_count, dry_run)
            if dry_run:
                return report
            now = self._db.now()
            tx.execute(sa.delete(b).where(b.c.entity_id.in_(targets)))
            tx.execute(k.delete().where(k.c.letter_id.in_(letter_ids)))
            tx.execute(d.update().where(d.c.id.in_(letter_ids)).values(payload=None, status="erased"))
            tx.execute(m.update().where(merge_filter).values(before=None, incoming=None))
            rows = tx.execute(sa.select(e.c.id, e.c.kind, e.c.version, e.c.data).where(e.c.id.in_(targets))).all()
            skeletons = [(i, kind, v, _without_pii(kind, data)) for i, kind, v, data in rows]
            tx.execute(
                e.update()
                .where(e.c.id == sa.bindparam("b_id"))
                .values(pii=None, provenance=None, erased=True, data=sa.bindparam("b_data"),
                        version=sa.bindparam("b_version"), updated_at=now),
                [{"b_id": i, "b_version": v + 1, "b_data": data} for i, _, v, data in skeletons],
            )
            _erase_history(tx, targets)
            lock_change_log(tx)
            tx.execute(
                t.change_log.insert(),
                [{"entity_id": i, "kind": kind, "version": v + 1, "op": "erase", "origin": None, "at": now, "data": data}
                 for i, kind, v, data in skeletons],
            )
            detail = {key: value for key, value in asdict(report).items() if key != "dry_run"}
            self._audit.add(tx, actor, "erase", candidate_id, detail)
        self._db.truncate_wal()
        return report

    def _letters_of(self, tx: sa.Connection, targets: list[str]) -> sa.ColumnElement[bool]:
        """Which dead letters hold the person: named by an external id of ``targets``, or keyed
        (``dead_letter_keys``) by a blind index of theirs or a link to one of their records."""
        x, b, d, k = t.external_ids, t.blind_index, t.dead_letters, t.dead_letter_keys
        sources = tx.execute(sa.select(x.c.system, x.c.external_id).where(x.c.entity_id.in_(targets))).all()
        keys = {(field, hmac) for field, hmac in tx.execute(sa.select(b.c.field, b.c.hmac).where(b.c.entity_id.in_(targets)))}
        keys.update((LINK, self._keyring.link_index(system, record_id)) for system, record_id in sources)
        keys.update((LINK, self._keyring.link_index(HUB_IDS, entity_id)) for entity_id in targets)
        keyed = sa.select(k.c.letter_id).where(sa.tuple_(k.c.field, k.c.hmac).in_(sorted(keys)))
        named = (sa.and_(d.c.system == system, d.c.record_ref == record_id) for system, record_id in sources)
        return sa.or_(d.c.id.in_(keyed), *named)


def _referencing(tx: sa.Connection, candidate_id: str) -> list[str]:
    """Ids of entities whose reference fields point at the candidate, or at an entity that does
    (an application's assessments, feedback and offers), level by level until none is new.

    A text search for the ids (UUIDs) narrows the rows; each hit is confirmed on its parsed JSON.
    """
    e = t.entities
    found: list[str] = []
    frontier, seen = {candidate_id}, {candidate_id}
    while frontier:
        rows = tx.execute(
            sa.select(e.c.id, e.c.kind, e.c.data).where(e.c.id.not_in(seen), sa.or_(*(e.c.data.contains(i) for i in frontier)))
        )
        frontier = set()
        for entity_id, kind, data in rows:
            parsed = loads(data)
            if any((parsed.get(name) or {}).get("id") in seen for name, _ in kind_info(kind).refs):
                frontier.add(entity_id)
        seen |= frontier
        found += sorted(frontier)
    return found


def _erase_history(tx: sa.Connection, targets: list[str]) -> None:
    """The change feed's copies of the erased entities' past versions: PII tokens dropped, and any field
    that is PII today dropped from the stored non-PII data (a version written before it was marked PII)."""
    c = t.change_log
    tx.execute(c.update().where(c.c.entity_id.in_(targets), c.c.pii.is_not(None)).values(pii=None))
    rows = tx.execute(sa.select(c.c.seq, c.c.kind, c.c.data).where(c.c.entity_id.in_(targets), c.c.data.is_not(None)))
    cleaned = [{"b_seq": seq, "b_data": clean} for seq, kind, data in rows if (clean := _without_pii(kind, data)) != data]
    if cleaned:
        tx.execute(c.update().where(c.c.seq == sa.bindparam("b_seq")).values(data=sa.bindparam("b_data")), cleaned)


def _without_pii(kind: str, data: str) -> str:
    """An entity's stored non-PII data without the fields that are PII today: a record written before
    a field (free text) was marked PII kept that field in plaintext here."""
    parsed = loads(data)
    pii = kind_info(kind).pii & parsed.keys()
    return dumps({name: value for name, value in parsed.items() if name not in pii}) if pii else data
