"""Issue 30's acceptance as a user meets it: a plugin installed through the ``hub.plugins`` entry point
rejects the same record in the real ``hub sync`` and ``hub migrate`` commands, with the same typed
error in each dead letter (the webhook path, which has no command yet, is in test_record_path.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hub.core.crypto import KeyRing
from hub.core.store import Store
from tests.core.test_plugins import write_distribution
from tests.support.fault_server import FaultServer
from tests.support.observer_plugin import REASON, REJECTED
from tests.sync.connector import record

HUB = Path(sys.executable).with_name("hub")
REPO = Path(__file__).resolve().parents[1]
PLUGIN = """
    from hub import hookimpl
    from tests.support.observer_plugin import _refuse
    from tests.sync.connector import FaultConnector

    class JobsOnly(FaultConnector):  # one stream a kind, so a migration can take every job it lists
        streams = (FaultConnector.streams[0],)

    @hookimpl
    def hub_register_connectors():
        return [JobsOnly]

    @hookimpl
    def hub_register_validators():
        return [_refuse]
"""
SAME = ("code", "reason", "system", "entity", "record_id", "field_path", "value")


def _letters(url: str, keyring: KeyRing) -> list[dict]:
    store = Store.open(url, keyring)
    try:
        return [{key: letter.error.get(key) for key in SAME} for letter in store.dead_letters()]
    finally:
        store.close()


def test_an_installed_validator_rejects_one_record_alike_in_hub_sync_and_hub_migrate(tmp_path: Path) -> None:
    write_distribution(tmp_path / "site", "hub_reject", {"reject": "hub_reject_plugin"}, {"hub_reject_plugin": PLUGIN})
    keyring = KeyRing.generate()
    records = [record(1), record(2, name=REJECTED), record(3)]
    with FaultServer(records=records, page_size=25) as server:
        (tmp_path / "hub.yaml").write_text(
            f"connectors:\n  faultsrv:\n    type: faultsrv\n    settings: {{base_url: '{server.base_url}'}}\n", encoding="utf-8")
        env = {**os.environ, "HUB_KEYS": keyring.to_json(), "HUB_CONFIG": str(tmp_path / "hub.yaml"),
               "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(REPO)])}

        def hub(database: str, *args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([str(HUB), *args], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                                  env={**env, "HUB_DATABASE_URL": database})  # fmt: skip

        synced, migrated = f"sqlite:///{tmp_path / 'sync.db'}", f"sqlite:///{tmp_path / 'migrate.db'}"
        sync = hub(synced, "sync", "--connector", "faultsrv", "--stream", "jobs")
        migrate = hub(migrated, "migrate", "--no-progress", "--source", "faultsrv", "--entities", "job",
                      "--max-error-rate", "0.5", "--report", "reports")
    assert "created 2 updated 0 unchanged 0 failed 1" in sync.stderr, sync.stdout + sync.stderr  # the progress line
    assert migrate.returncode == 0 and "status: PASS" in migrate.stdout, migrate.stdout + migrate.stderr
    expected = {"code": "model-validation-error", "reason": REASON, "system": "faultsrv", "entity": "job",
                "record_id": "2", "field_path": None, "value": None}
    assert _letters(synced, keyring) == _letters(migrated, keyring) == [expected]
