"""Issue 30, point 3 — one record path: a plugin's validator rejects the same record with the same
typed error whether it arrives by ``hub sync``, by a webhook or in a ``hub migrate`` of the same
connector. Real fault server over sockets, real plugin manager, real SQLite stores."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from hub.core.crypto import KeyRing
from hub.core.migrate import ConnectorSource, JobSettings, Migration, StoreTarget, Thresholds
from hub.core.plugins import load_registry
from hub.core.store import Store
from hub.core.sync import ingest_webhook, sync
from tests.support.fault_server import FaultServer
from tests.support.observer_plugin import REASON, REJECTED, ObserverPlugin, manager
from tests.sync.conftest import stored_ids
from tests.sync.connector import FaultConnector, record

SECRET = "whk-secret"
#: The parts of the typed error that must agree everywhere (the value is masked by whoever raised it).
SAME = ("code", "reason", "system", "entity", "record_id", "field_path", "value")


class JobsOnly(FaultConnector):
    """The test connector with its one ``jobs`` stream, so a migration can take every job it lists."""

    streams = (FaultConnector.streams[0],)


def _store(tmp_path: Path, name: str, keyring: KeyRing) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / name}.db", keyring)
    store.upgrade()
    return store


def _typed(error: dict) -> dict:
    return {key: error.get(key) for key in SAME}


def test_a_plugin_validator_rejects_one_record_alike_in_sync_webhook_and_migration(tmp_path: Path) -> None:
    keyring, plugin = KeyRing.generate(), ObserverPlugin()
    pm = manager(plugin)
    validators = load_registry(pm).validators
    records = [record(1), record(2, name=REJECTED), record(3)]
    synced, hooked, migrated = (_store(tmp_path, name, keyring) for name in ("sync", "webhook", "migrate"))

    with FaultServer(records=records, page_size=25) as server:
        report = sync(FaultConnector({"base_url": server.base_url}), synced, streams=["jobs"], validators=validators, pm=pm)
        source = ConnectorSource("faultsrv", JobsOnly({"base_url": server.base_url}), ["job"])
        job = JobSettings(source=source.settings, thresholds=Thresholds(max_error_rate=0.5))
        result = Migration(job, source, StoreTarget(migrated, source.system), workdir=tmp_path / "work", progress=False,
                           validators=validators, pm=pm).run()  # fmt: skip
    body = json.dumps({"events": [{"stream": "jobs", "record": r} for r in records]}).encode()
    headers = {"Signature": "sha256 " + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}
    counters = ingest_webhook(FaultConnector({"base_url": "http://127.0.0.1:9", "webhook_secret": SECRET}), headers, body,
                              hooked, validators=validators, pm=pm)  # fmt: skip

    # every path stored the two good records and refused only the rejected one
    assert (report.counters.created, report.counters.failed) == (2, 1)
    assert (counters.created, counters.failed) == (2, 1)
    assert result.state["entities"]["job"] == {"valid": 2, "rejected": 1}
    for store in (synced, hooked, migrated):
        assert stored_ids(store) == ["1", "3"]

    (sync_letter,) = synced.dead_letters(with_payload=True)
    (hook_letter,) = hooked.dead_letters(with_payload=True)
    (migrate_letter,) = migrated.dead_letters(with_payload=True)
    (finding,) = [f for f in result.findings if f.row is not None]  # the others: coverage, of no record
    expected = {"code": "model-validation-error", "reason": REASON, "system": "faultsrv", "entity": "job",
                "record_id": "2", "field_path": None, "value": None}
    assert _typed(sync_letter.error) == _typed(hook_letter.error) == _typed(migrate_letter.error) == expected
    # the migration's finding (as its report and checkpoint keep it) says the same
    shown = finding.to_dict()
    assert (shown["code"], shown["reason"], shown["value"], shown["entity"]) == ("model-validation-error", REASON, None, "job")
    assert sync_letter.payload == hook_letter.payload == migrate_letter.payload == record(2, name=REJECTED)
    assert (finding.row, finding.record, finding.field, finding.kind) == (2, "jobs:2 (2)", "job", "rejected_by_validator")

    # and each told the plugin's observer, with the same typed error
    failed = plugin.named("record_failed")
    assert [event.data.get("engine") for event in failed] == [None, "migrate", None]  # sync, migration, webhook
    assert [_typed(event.data) for event in failed] == [expected] * 3
