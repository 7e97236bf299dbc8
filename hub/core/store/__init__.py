"""The encrypted canonical store. Public surface: :class:`Store` and what its methods return.

Modules: ``schema`` (tables, engine set-up), ``codec`` (entity ⇄ row, hashing, encryption),
``repository`` (the :class:`Store`), ``identity`` (resolution, merges), ``erase`` (PIPL / GDPR
erasure), ``rotation`` (key rotation).

Example:
    >>> from hub.core.crypto import KeyRing
    >>> store = Store.open("sqlite://", KeyRing.generate())
    >>> store.upgrade(); store.current_revision()
    '0005'
"""

from hub.core.store.erase import ErasureReport
from hub.core.store.identity import IdentityRules
from hub.core.store.repository import Change, DeadLetter, Store, UpsertResult
from hub.core.store.rotation import RotationReport

__all__ = ["Store", "UpsertResult", "Change", "DeadLetter", "IdentityRules", "ErasureReport", "RotationReport"]
