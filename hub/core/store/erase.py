"""Erasure of one person (PIPL art. 47 / GDPR art. 17): PII gone everywhere, skeleton and audit kept.

What is removed, in one transaction: the candidate's PII tokens (including the raw vendor payload),
its blind indexes, the PII tokens of every entity that references it (applications, assessments,
offers — their raw payloads name the person), the encrypted payloads of dead letters that came from
one of its external ids, and the snapshots of merges it took part in. What stays: the non-PII
skeleton (ids, statuses, scores, dates) marked ``erased`` — the store ignores later upserts into
an erased entity — a change-log entry and an audit entry listing what was removed (no values).

Example:
    >>> ErasureReport("c-1", entities=2, blind_indexes=3, dead_letters=1, merges=0, dry_run=True).entities
    2
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import sqlalchemy as sa

from hub.core.errors import StoreError
from hub.core.store import schema as t
from hub.core.store.bookkeeping import AuditLog
from hub.core.store.codec import kind_info
from hub.core.store.database import Database

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
        >>> Erasure(db, AuditLog(db)).erase_candidate("c-1", "dpo", dry_run=True)
        Traceback (most recent call last):
        ...
        hub.core.errors.StoreError: [store-error] candidate c-1: no such candidate
    """

    def __init__(self, db: Database, audit: AuditLog) -> None:
        self._db = db
        self._audit = audit

    def erase_candidate(self, candidate_id: str, actor: str, *, dry_run: bool = False) -> ErasureReport:
        """Erase the candidate's PII everywhere; see the module docstring for the exact scope."""
        e, x, b, d, m = t.entities, t.external_ids, t.blind_index, t.dead_letters, t.merges
        with self._db.transaction() as tx:
            kind = tx.execute(sa.select(e.c.kind).where(e.c.id == candidate_id)).scalar_one_or_none()
            if kind != "candidate":
                raise StoreError("no such candidate", entity="candidate", record_id=candidate_id)
            targets = [candidate_id, *_referencing(tx, candidate_id)]
            sources = tx.execute(sa.select(x.c.system, x.c.external_id).where(x.c.entity_id.in_(targets))).all()
            blind = tx.execute(sa.select(sa.func.count()).select_from(b).where(b.c.entity_id.in_(targets))).scalar_one()
            letters = sa.or_(*(sa.and_(d.c.system == s, d.c.record_ref == r) for s, r in sources)) if sources else sa.false()
            letter_count = tx.execute(
                sa.select(sa.func.count()).select_from(d).where(letters, d.c.payload.is_not(None))
            ).scalar_one()
            merge_filter = sa.or_(m.c.survivor_id.in_(targets), m.c.split_entity_id.in_(targets))
            merge_count = tx.execute(sa.select(sa.func.count()).select_from(m).where(merge_filter)).scalar_one()
            report = ErasureReport(candidate_id, len(targets), blind, letter_count, merge_count, dry_run)
            if dry_run:
                return report
            now = self._db.now()
            tx.execute(sa.delete(b).where(b.c.entity_id.in_(targets)))
            tx.execute(d.update().where(letters).values(payload=None, status="erased"))
            tx.execute(m.update().where(merge_filter).values(before=None, incoming=None))
            rows = tx.execute(sa.select(e.c.id, e.c.kind, e.c.version).where(e.c.id.in_(targets))).all()
            tx.execute(
                e.update()
                .where(e.c.id == sa.bindparam("b_id"))
                .values(pii=None, provenance=None, erased=True, version=sa.bindparam("b_version"), updated_at=now),
                [{"b_id": i, "b_version": v + 1} for i, _, v in rows],
            )
            tx.execute(
                t.change_log.insert(),
                [{"entity_id": i, "kind": k, "version": v + 1, "op": "erase", "origin": None, "at": now} for i, k, v in rows],
            )
            detail = {key: value for key, value in asdict(report).items() if key != "dry_run"}
            self._audit.add(tx, actor, "erase", candidate_id, detail)
        return report


def _referencing(tx: sa.Connection, candidate_id: str) -> list[str]:
    """Ids of entities whose reference fields point at the candidate.

    A text search for the id (a UUID) narrows the rows; each hit is confirmed on its parsed JSON.
    """
    e = t.entities
    rows = tx.execute(
        sa.select(e.c.id, e.c.kind, e.c.data).where(e.c.id != candidate_id, e.c.data.contains(candidate_id))
    )
    found = []
    for entity_id, kind, data in rows:
        parsed = json.loads(data)
        if any((parsed.get(name) or {}).get("id") == candidate_id for name, _ in kind_info(kind).refs):
            found.append(entity_id)
    return found
