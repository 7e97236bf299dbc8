"""Fixtures for the sync tests: the real store on a SQLite file, the real fault server, the test plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pluggy
import pytest
import sqlalchemy as sa

from hub.core.crypto import KeyRing
from hub.core.plugins import get_plugin_manager, load_registry
from hub.core.store import Store
from hub.core.store import schema as t
from hub.core.sync_state import StreamState
from tests.support.fault_server import FaultServer
from tests.sync.connector import PLUGIN, FaultConnector, record


@pytest.fixture
def keyring() -> KeyRing:
    return KeyRing.generate()


@pytest.fixture
def store(tmp_path, keyring: KeyRing) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'hub.db'}", keyring)
    store.upgrade()
    yield store
    store.close()


@pytest.fixture
def pm() -> pluggy.PluginManager:
    manager = get_plugin_manager(load_entry_points=False)
    manager.register(PLUGIN, name="faultsrv-test")
    return manager


@pytest.fixture
def validators(pm: pluggy.PluginManager) -> list:
    return load_registry(pm).validators


@pytest.fixture
def server() -> Iterator[FaultServer]:
    """60 job records, 25 per page (3 pages)."""
    with FaultServer(records=[record(i) for i in range(1, 61)], page_size=25) as running:
        yield running


@pytest.fixture
def connector(server: FaultServer) -> FaultConnector:
    return FaultConnector({"base_url": server.base_url})


# -- reading what the store holds, straight from its tables (the tests' ground truth)


def stored_ids(store: Store, system: str = "faultsrv", kind: str = "job") -> list[str]:
    x = t.external_ids
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(x.c.external_id).where(x.c.system == system, x.c.kind == kind))
        return sorted((row[0] for row in rows), key=int)


def versions(store: Store) -> list[int]:
    with store.engine.connect() as conn:
        return [row[0] for row in conn.execute(sa.select(t.entities.c.version))]


def job_runs(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(row) for row in conn.execute(sa.select(t.job_runs).order_by(t.job_runs.c.started_at)).mappings()]


def state(store: Store, stream: str = "jobs") -> StreamState:
    return StreamState.from_json(store.get_cursor(None, "faultsrv", stream))
