"""`hub dead-letters list|show|retry`, run as the real `hub` executable against a tmp hub.yaml."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from hub.core.crypto import KeyRing
from hub.core.store import Store

HUB_YAML = """\
connectors:
  gh:
    type: greenhouse
    settings: {client_id: id, client_secret: secret, base_url: "http://127.0.0.1:9"}
"""


@pytest.fixture
def hub_env(tmp_path) -> dict[str, str]:
    (tmp_path / "hub.yaml").write_text(HUB_YAML, encoding="utf-8")
    return {**os.environ, "HUB_KEYS": KeyRing.generate().to_json(),
            "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}", "HUB_CONFIG": str(tmp_path / "hub.yaml")}


@pytest.fixture
def letters(hub_env) -> dict[str, str]:
    """Three open letters: one that now maps, one that still fails, one of an unconfigured connector."""
    store = Store.open(hub_env["HUB_DATABASE_URL"], KeyRing.from_json(hub_env["HUB_KEYS"]))
    store.upgrade()
    failed = {"code": "mapping-error", "reason": "was broken"}
    with store.transaction() as tx:
        ids = {
            "fixed": store.add_dead_letter(tx, system="gh", stream="departments", record_ref="11", error=failed,
                                           payload={"id": 11, "name": "Engineering", "parent_id": None}),
            "broken": store.add_dead_letter(tx, system="gh", stream="departments", record_ref="12", error=failed,
                                            payload={"id": 12, "name": None}),
            "orphan": store.add_dead_letter(tx, system="gone", stream="jobs", record_ref="1", error=failed,
                                            payload={"id": 1}),
        }
    store.close()
    return ids


def hub(hub_cmd, env, *args) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*hub_cmd, "dead-letters", *args], capture_output=True, text=True, env=env, timeout=120,
                          check=False)


def test_list_show_and_retry(hub_cmd, hub_env, letters) -> None:
    listed = hub(hub_cmd, hub_env, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {d["id"]: d["record"] for d in json.loads(listed.stdout)} == {
        letters["fixed"]: "11", letters["broken"]: "12", letters["orphan"]: "1"}

    shown = hub(hub_cmd, hub_env, "show", letters["fixed"], "--payload")
    assert shown.returncode == 0, shown.stderr
    detail = json.loads(shown.stdout)
    assert (detail["connector"], detail["error"]["reason"], detail["payload"]["name"]) == ("gh", "was broken", "Engineering")
    assert "payload" not in json.loads(hub(hub_cmd, hub_env, "show", letters["fixed"]).stdout)
    missing = hub(hub_cmd, hub_env, "show", "no-such-letter")
    assert missing.returncode == 2 and "no dead letter 'no-such-letter'" in missing.stderr

    retried = hub(hub_cmd, hub_env, "retry")
    assert retried.returncode == 1, retried.stderr  # one letter failed again
    assert "resolved 1, failed again 1, skipped 1" in retried.stdout
    assert f"skipped {letters['orphan']}: connector 'gone' is not configured" in retried.stdout

    resolved = json.loads(hub(hub_cmd, hub_env, "list", "--status", "resolved", "--json").stdout)
    assert [(d["id"], d["attempts"]) for d in resolved] == [(letters["fixed"], 1)]
    still_open = {d["id"]: d for d in json.loads(hub(hub_cmd, hub_env, "list", "--json").stdout)}
    assert set(still_open) == {letters["broken"], letters["orphan"]}
    assert still_open[letters["broken"]]["attempts"] == 1 and still_open[letters["broken"]]["code"] == "mapping-error"


def test_a_piped_table_keeps_every_cell_whole_and_tells_page_failures_apart(hub_cmd, hub_env) -> None:
    """Redirected (not a terminal), the table is not cut to 80 columns; a letter of a stream that could
    not be read on says so in its record column; an empty listing says it is empty."""
    assert hub(hub_cmd, hub_env, "list").stdout.strip() == "no open dead letters"
    long_reason = "GET https://harvest.greenhouse.io/v3/applications?per_page=500 failed after 5 attempts: 503"
    store = Store.open(hub_env["HUB_DATABASE_URL"], KeyRing.from_json(hub_env["HUB_KEYS"]))
    with store.transaction() as tx:
        store.add_dead_letter(tx, system="gh", stream="applications", error={"code": "connector-transient", "reason": long_reason})
    store.close()
    listed = hub(hub_cmd, hub_env, "list")
    assert listed.returncode == 0, listed.stderr
    assert f"connector-transient: {long_reason}" in listed.stdout
    assert "(the stream: a sync resumes it)" in listed.stdout
