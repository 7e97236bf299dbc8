"""The encrypted canonical store. Public surface: :class:`Store`, what its methods take and return,
and the codec that prepares records for it; sync, migration, delivery and the commands import only
these names (checked by the import-linter contracts in pyproject.toml).

Modules, bottom up — each part receives the parts it needs, none imports the facade back:

* ``schema`` (tables, engine set-up), ``bulk`` (batched DBAPI statements), ``codec`` (entity ⇄ row,
  hashing, encryption), ``database`` (engine, transactions, clock, schema migrations);
* ``bookkeeping`` (cursors, dead letters, job runs, audit log), ``receipts`` (webhook delivery ids),
  ``tokens`` (the HTTP service's API tokens, hashed);
* ``writes`` (entity versions, change log, change listeners), ``reads`` (entities),
  ``deletion`` (deleted markers, full-refresh passes);
* ``identity`` (rules, blind-index lookup, merges and unmerge), ``upsert`` (the batched upsert);
* ``outbox`` (the delivery queue's rows), ``links`` (the ids a delivery target assigns), ``erase`` (PIPL / GDPR erasure), ``rotation`` (key rotation),
  ``lookup`` (finding records for an operator, audited plaintext reads), ``feed`` (the change feed under a grant);
* ``scope`` (a token's grant as a SQL condition), ``catalog`` (the records a token may read: lists, pages, look-ups);
* ``facade`` (the :class:`Store` that composes them).

Example:
    >>> from hub.core.crypto import KeyRing
    >>> store = Store.open("sqlite://", KeyRing.generate())
    >>> store.upgrade(); store.current_revision()
    '0010'
"""

from hub.core.store.bookkeeping import DeadLetter
from hub.core.store.catalog import Page, Record, RecordFilter
from hub.core.store.codec import EntityCodec, Prepared, field_texts, kind_info, loads
from hub.core.store.erase import ErasureReport
from hub.core.store.facade import Store
from hub.core.store.identity import IdentityRules
from hub.core.store.links import external_ids_of, link_external_id
from hub.core.store.lookup import RecordIds
from hub.core.store.outbox import CANCELLED, DEAD, DELIVERED, PENDING, SUPERSEDED, NewEntry, Outbox, OutboxEntry, RoutedEntry
from hub.core.store.feed import Change
from hub.core.store.rotation import RotationReport
from hub.core.store.tokens import ApiTokens, TokenInfo
from hub.core.store.upsert import UpsertResult
from hub.core.store.writes import ChangeListener, EntityChange

__all__ = [
    "Store", "UpsertResult", "RecordIds", "Change", "ChangeListener", "EntityChange", "DeadLetter", "IdentityRules",
    "ErasureReport", "RotationReport", "EntityCodec", "Prepared", "field_texts", "kind_info", "loads",
    "external_ids_of", "link_external_id", "Outbox", "OutboxEntry", "NewEntry", "RoutedEntry", "PENDING", "DELIVERED",
    "SUPERSEDED", "DEAD", "CANCELLED", "ApiTokens", "TokenInfo",
    "Page", "Record", "RecordFilter",
]
