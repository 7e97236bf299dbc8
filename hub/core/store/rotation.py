"""Key rotation: re-encrypt every stored token with the active key, in batches, resumably.

Rotation walks four token-holding tables in primary-key order — ``entities.pii``, the change feed's
copies of past versions (``change_log.pii``), ``dead_letters.payload``, the ``merges`` snapshots —
one batch per transaction, and saves its
position (table and last key) in ``key_rotations`` in the same transaction, so a rotation that is
killed resumes where it stopped. Readers keep working throughout: the ring still holds the old keys
and every token names its key. An entity row is rewritten only if its version did not change since
the batch read it (a concurrent upsert already wrote it with the active key), a change-log entry
only if its tokens did not change (an erasure may have blanked them meanwhile). Remove an old key from
the ring only after a rotation to the new key has finished (``hub keys rotate`` says so).

Example:
    >>> RotationReport("k2", rotated=10, remaining=0, finished=True).finished
    True
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.core.crypto import KeyRing, token_kid
from hub.core.store import schema as t
from hub.core.store.codec import dumps
from hub.core.store.database import Database

__all__ = ["RotationReport", "KeyRotation"]


@dataclass(frozen=True)
class RotationReport:
    """Tokens re-encrypted in this call, tokens still on older keys (dry run) and whether it is done."""

    target_kid: str
    rotated: int
    remaining: int
    finished: bool


@dataclass(frozen=True)
class _Stage:
    """One table to rotate: which columns hold tokens and how to re-encrypt one row."""

    table: sa.Table
    columns: tuple[str, ...]
    guard: str | None  # a column that must be unchanged for the rewrite to apply
    key: str = "id"  # the primary key walked in order: text ids, or the change log's integer seq

    def position(self, cursor: str) -> Any:
        """The saved cursor (text in ``key_rotations``) as a value of :attr:`key`."""
        return int(cursor or 0) if self.key == "seq" else cursor

    def tokens(self, row: Any) -> list[str]:
        out = []
        for column in self.columns:
            value = row[column]
            if value and column == "pii":
                out.extend(json.loads(value).values())
            elif value:
                out.append(value)
        return out

    def reencrypt(self, ring: KeyRing, row: Any) -> dict[str, Any]:
        """New column values for ``row`` with every token on the active key."""
        if "pii" in self.columns:  # entity tokens, bound to (kind, entity id, field)
            entity_id = row["entity_id"] if self.table is t.change_log else row["id"]
            moved = {
                name: _move(ring, token, (row["kind"], entity_id, name)) for name, token in json.loads(row["pii"]).items()
            }
            return {"pii": dumps(moved)}
        scope = "dead_letter" if self.table is t.dead_letters else "merge"
        return {c: _move(ring, row[c], (scope, row["id"], c)) if row[c] else None for c in self.columns}


def _move(ring: KeyRing, token: str, aad: tuple[str, str, str]) -> str:
    if token_kid(token) == ring.active_kid:
        return token
    return ring.encrypt(ring.decrypt(token, aad=aad), aad=aad)


_STAGES = (
    _Stage(t.entities, ("pii",), "version"),
    _Stage(t.change_log, ("pii",), "pii", key="seq"),
    _Stage(t.dead_letters, ("payload",), None),
    _Stage(t.merges, ("before", "incoming"), None),
)


@dataclass
class _Progress:
    """A rotation's saved position: its ``key_rotations`` row, the stage (table) and the last key done."""

    id: int
    stage: str
    cursor: str
    rotated: int


_STAGE_ORDER = [stage.table.name for stage in _STAGES] + ["done"]


class KeyRotation:
    """Rotates the tokens on ``db`` to the active key of ``keyring``.

    Example:
        >>> db = Database.open("sqlite://"); db.upgrade()
        >>> KeyRotation(db, KeyRing.generate("k1")).rotate()
        RotationReport(target_kid='k1', rotated=0, remaining=0, finished=True)
    """

    def __init__(self, db: Database, keyring: KeyRing) -> None:
        self._db = db
        self._keyring = keyring

    def rotate(self, *, batch_size: int = 500, dry_run: bool = False, max_batches: int | None = None) -> RotationReport:
        """Rotate every token to the active key; stop early after ``max_batches`` (resume by calling again)."""
        ring = self._keyring
        if dry_run:
            return RotationReport(ring.active_kid, 0, self._count_stale(), False)
        progress = self._progress(ring.active_kid)
        rotated, batches = 0, 0
        while progress.stage != "done":
            if max_batches is not None and batches >= max_batches:
                return RotationReport(ring.active_kid, rotated, -1, False)
            rotated += self._batch(_STAGES[_STAGE_ORDER.index(progress.stage)], progress, batch_size)
            batches += 1
        return RotationReport(ring.active_kid, rotated, 0, True)

    def _progress(self, kid: str) -> _Progress:
        """The unfinished rotation to ``kid`` to resume, or a new one."""
        r = t.key_rotations
        with self._db.transaction() as tx:
            row = tx.execute(
                sa.select(r).where(r.c.target_kid == kid, r.c.finished_at.is_(None)).order_by(r.c.id.desc()).limit(1)
            ).mappings().first()
            if row is not None:
                return _Progress(row["id"], row["stage"], row["cursor"], row["rotated"])
            now = self._db.now()
            values = {"target_kid": kid, "stage": _STAGES[0].table.name, "cursor": "", "rotated": 0,
                      "started_at": now, "updated_at": now}
            row_id = tx.execute(r.insert().values(**values)).inserted_primary_key[0]
            return _Progress(row_id, _STAGES[0].table.name, "", 0)

    def _batch(self, stage: _Stage, progress: _Progress, batch_size: int) -> int:
        """Rotate one batch of ``stage`` and advance the saved position in the same transaction."""
        ring, table, now = self._keyring, stage.table, self._db.now()
        stale = _is_stale(ring.active_kid)
        with self._db.transaction() as tx:
            key = table.c[stage.key]
            rows = tx.execute(
                sa.select(table).where(key > stage.position(progress.cursor)).order_by(key).limit(batch_size)
            ).mappings().all()
            count = 0
            for row in rows:
                tokens = stage.tokens(row)
                if not any(stale(token) for token in tokens):
                    continue
                query = table.update().where(key == row[stage.key])
                if stage.guard:
                    query = query.where(table.c[stage.guard] == row[stage.guard])
                count += tx.execute(query.values(**stage.reencrypt(ring, row))).rowcount and len(tokens)
            if len(rows) < batch_size:
                progress.stage, progress.cursor = _STAGE_ORDER[_STAGE_ORDER.index(table.name) + 1], ""
            else:
                progress.cursor = str(rows[-1][stage.key])
            progress.rotated += count
            values = {"stage": progress.stage, "cursor": progress.cursor, "rotated": progress.rotated, "updated_at": now}
            if progress.stage == "done":
                values["finished_at"] = now
            tx.execute(t.key_rotations.update().where(t.key_rotations.c.id == progress.id).values(**values))
        return count

    def _count_stale(self) -> int:
        stale = _is_stale(self._keyring.active_kid)
        total = 0
        with self._db.transaction() as tx:
            for stage in _STAGES:
                for row in tx.execute(sa.select(stage.table)).mappings():
                    total += sum(1 for token in stage.tokens(row) if stale(token))
        return total


def _is_stale(active: str) -> Callable[[str], bool]:
    return lambda token: token_kid(token) != active
