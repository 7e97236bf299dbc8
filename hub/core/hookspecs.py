"""Every hook a hub plugin can implement. Reading this file top to bottom tells the whole lifecycle.

A plugin is a module (or object) with functions decorated ``@hub.hookimpl`` whose names match the
specs below. Built-in and third-party plugins are found the same way: the ``hub.plugins`` entry-point
group. ``hub_register_*`` hooks return lists or dicts; the plugin manager collects the results of
every plugin and validates them, naming the plugin that returned something wrong.

Example:
    >>> from hub import hookimpl
    >>> class MyPlugin:
    ...     @hookimpl
    ...     def hub_register_transforms(self):
    ...         return {"shout": lambda value: str(value).upper()}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pluggy

if TYPE_CHECKING:
    from hub.core.connector import Connector
    from hub.core.crypto import KeyProvider
    from hub.core.events import HubEvent
    from hub.core.models import Entity

hookspec = pluggy.HookspecMarker("hub")

# ---------------------------------------------------------------------------------------------------
# Registration: called once when the plugin manager is built and a command needs the registry.
# ---------------------------------------------------------------------------------------------------


@hookspec
def hub_register_connectors() -> list[type[Connector]]:
    """Return the connector classes this plugin provides.

    Called when the hub builds its connector registry (``hub plugins list``, ``hub sync``, ...).
    Each item must be a subclass of :class:`hub.core.connector.Connector` with a unique ``name``
    and a ``category`` (interview_vendors, hr_suites, payroll, erp or files). Return ``[]`` if none.
    """


@hookspec
def hub_register_transforms() -> dict[str, Callable[..., Any]]:
    """Return named mapping transforms: ``{name: function(value, **params) -> value}``.

    Called when the mapping engine compiles mapping files; a mapping step ``{transform: name,
    ...params}`` calls the function with the current value and the params. A transform raises
    ``ValueError`` with a plain reason for a value it cannot convert; the engine turns it into a
    :class:`~hub.core.errors.MappingError` naming the record and field. Names must be unique across
    plugins; built-in names cannot be overridden. Declaring the parameters' values with
    :func:`hub.core.transform_params.takes` makes a bad value a compile error with file and line.
    """


@hookspec
def hub_register_key_providers() -> dict[str, Callable[[dict[str, Any]], KeyProvider]]:
    """Return key-provider factories: ``{scheme: factory(settings) -> KeyProvider}``.

    Called when the key ring is built from hub.yaml's ``keys`` section; ``scheme`` is the value of
    its ``provider`` setting (built-ins: ``env`` and ``file``). A plugin adds e.g. a cloud KMS.
    """


@hookspec
def hub_register_validators() -> list[Callable[[Entity], list[str]]]:
    """Return extra record validators, each ``validator(entity) -> list of problems`` (empty = ok).

    Called after a record validates into its canonical model and before it is stored, on every path
    a record takes (sync, webhook, dead-letter replay, migration: :mod:`hub.core.record_transform`); a
    non-empty list rejects the record with a :class:`~hub.core.errors.RejectedByValidatorError`
    giving those reasons: a dead letter, and in a migration also a finding. Validators must not
    modify the entity (a migration validates a record repeated on many rows once).
    """


# ---------------------------------------------------------------------------------------------------
# Observation: called while the hub works; return values are ignored.
# ---------------------------------------------------------------------------------------------------


@hookspec
def hub_event(event: HubEvent) -> None:
    """Observe a sync, delivery or migration event: run_started, page_committed (sync),
    batch_committed (migration), record_failed, run_finished, delivery_sent, delivery_failed
    (:class:`~hub.core.events.HubEvent` says what each carries).

    Called synchronously in the worker that produced the event, after the event's transaction has
    committed; keep it fast and never raise (an exception is logged and ignored).
    """
