"""Key checks: the store refuses a key ring that is not the one its data was written with.

Without them a wrong ring is found only when something fails to decrypt, and by then a migration
or a sync may have written records under the wrong keys: a newly generated ring re-encrypted a
store's records and the migration passed, after which the real ring could read none of them. So
the store keeps a key-check value (:meth:`hub.core.crypto.KeyRing.check_values`) per key it was
written with, the blind-index key's included, and :meth:`KeyChecks.verify` compares them with the
ring before a command reads or writes anything. A store written before key checks existed (none
recorded, records present) is checked by decrypting one stored token instead.

The values are recorded when the schema is upgraded (every writer upgrades first) and after a key
rotation finishes, when keys no longer used are dropped from the record.

Example:
    >>> from hub.core.crypto import INDEX_KEY_ID, KeyRing
    >>> db = Database.open("sqlite://"); db.upgrade()
    >>> ring = KeyRing.generate("k1"); checks = KeyChecks(db)
    >>> checks.record(ring); checks.verify(ring)
    >>> checks.verify(KeyRing.generate("k1"))
    Traceback (most recent call last):
    ...
    hub.core.errors.KeyRingMismatchError: [key-ring-mismatch] the key ring does not match the store: keys index, k1 differ from the keys the data was written with; use the ring the store was written with (HUB_KEYS or keys.settings.path)
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from hub.core.crypto import INDEX_KEY_ID, KeyRing
from hub.core.errors import CryptoError, KeyRingMismatchError
from hub.core.store import schema as t
from hub.core.store.database import Database

__all__ = ["KeyChecks"]

_FIX = "use the ring the store was written with (HUB_KEYS or keys.settings.path)"


class KeyChecks:
    """The recorded key-check values of one store (table ``key_checks``)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _recorded(self, conn: sa.Connection) -> dict[str, str] | None:
        """Key id → check value, or None when the store has no key_checks table yet (not upgraded)."""
        if not sa.inspect(conn).has_table(t.key_checks.name):
            return None
        return {kid: value for kid, value in conn.execute(sa.select(t.key_checks.c.key_id, t.key_checks.c.check_value))}

    def verify(self, ring: KeyRing) -> None:
        """Refuse ``ring`` unless it holds every key the store was written with, the same keys.

        Raises:
            KeyRingMismatchError: names the key ids that differ or are missing, never key material.
        """
        with self._db.reading() as conn:
            recorded = self._recorded(conn)
            if not recorded:
                if recorded is not None or sa.inspect(conn).has_table(t.entities.name):
                    _sample_decrypt(conn, ring)
                return
        ours = ring.check_values()
        differ = sorted(kid for kid, value in recorded.items() if kid in ours and ours[kid] != value)
        missing = sorted(kid for kid in recorded if kid not in ours)
        if differ or missing:
            parts = ([f"keys {', '.join(differ)} differ from the keys the data was written with"] if differ else []) + (
                [f"keys {', '.join(missing)} are not in the ring"] if missing else [])
            raise KeyRingMismatchError(f"the key ring does not match the store: {'; '.join(parts)}; {_FIX}")

    def record(self, ring: KeyRing, *, rotated: bool = False) -> None:
        """Record the check values of the ring's keys not yet recorded. After a finished rotation
        (``rotated``) only the active key and the index key hold data: the others are forgotten, so
        the old keys may then leave the ring."""
        ours = ring.check_values()
        if rotated:
            ours = {kid: value for kid, value in ours.items() if kid in (ring.active_kid, INDEX_KEY_ID)}
        with self._db.transaction() as tx:
            recorded = self._recorded(tx) or {}
            new = [{"key_id": kid, "check_value": value, "recorded_at": self._db.now()}
                   for kid, value in ours.items() if kid not in recorded]  # fmt: skip
            if new:
                tx.execute(sa.insert(t.key_checks), new)
            gone = [kid for kid in recorded if kid not in ours]
            if rotated and gone:
                tx.execute(sa.delete(t.key_checks).where(t.key_checks.c.key_id.in_(gone)))


def _sample_decrypt(conn: sa.Connection, ring: KeyRing) -> None:
    """A store without recorded checks: decrypt one stored token, so a wrong ring fails here."""
    e = t.entities
    row = conn.execute(sa.select(e.c.kind, e.c.id, e.c.pii).where(e.c.pii.is_not(None), e.c.pii != "{}").limit(1)).first()
    if row is None:
        return
    field, token = next(iter(json.loads(row.pii).items()))
    try:
        ring.decrypt(token, aad=(row.kind, row.id, field))
    except CryptoError as exc:
        raise KeyRingMismatchError(f"the key ring cannot read the store's records ({exc.reason}); {_FIX}") from None
