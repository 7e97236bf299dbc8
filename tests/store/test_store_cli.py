"""The `hub db`, `hub keys` and `hub erase` commands, run as the real `hub` executable."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from hub.core.crypto import KeyRing
from hub.core.store import Store
from tests.store.conftest import candidate

HUB = str(Path(sys.executable).with_name("hub"))


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HUB, *args], env={**os.environ, **env}, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_db_keys_rotate_and_erase_end_to_end(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    env = {"HUB_DATABASE_URL": url, "HUB_CONFIG": str(tmp_path / "none.yaml")}
    assert run("db", "current", env=env, cwd=tmp_path).stdout.strip() == "none"
    assert not (tmp_path / "hub.db").exists()  # asking creates nothing
    assert "revision 0010" in run("db", "upgrade", env=env, cwd=tmp_path).stdout

    ring_json = run("keys", "generate", env=env, cwd=tmp_path).stdout
    ring = KeyRing.from_json(ring_json)
    store = Store.open(url, ring)
    with store.transaction() as tx:
        [cid] = store.upsert_many(tx, "beisen", [candidate(1)]).ids
    store.close()

    env["HUB_KEYS"] = ring_json
    new_ring = run("keys", "generate", "--add", env=env, cwd=tmp_path).stdout
    assert KeyRing.from_json(new_ring).active_kid == "k2"
    env["HUB_KEYS"] = new_ring
    # the candidate's 5 PII tokens, twice: its row and its change-log entry (the change feed's history)
    assert run("keys", "rotate", "--dry-run", env=env, cwd=tmp_path).stdout.startswith("10 tokens")
    assert "every token now uses key k2" in run("keys", "rotate", "--batch-size", "1", env=env, cwd=tmp_path).stdout

    out = run("erase", "--candidate", cid, "--actor", "dpo", env=env, cwd=tmp_path)
    assert out.returncode == 0 and "erased PII of 1 entities, 3 blind indexes" in out.stdout
    assert Store.open(url, KeyRing.from_json(new_ring)).get("candidate", cid).national_id is None


def test_keys_generate_writes_0600_file_and_missing_keys_is_clear(tmp_path):
    env = {"HUB_CONFIG": str(tmp_path / "none.yaml"), "HUB_KEYS": ""}
    assert run("keys", "generate", "--out", "keys.json", env=env, cwd=tmp_path).returncode == 0
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600
    assert json.loads((tmp_path / "keys.json").read_text())["active"] == "k1"
    failed = run("keys", "rotate", env={**env, "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}, cwd=tmp_path)
    assert failed.returncode == 2 and "HUB_KEYS is not set" in failed.stderr


def test_hub_keys_holding_a_path_says_it_wants_the_json(tmp_path):
    """The usual first mistake: HUB_KEYS=keys.json. The error says which form it wants and how to use a file."""
    env = {"HUB_CONFIG": str(tmp_path / "none.yaml"), "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    assert run("keys", "generate", "--out", "keys.json", env=env, cwd=tmp_path).returncode == 0
    failed = run("keys", "rotate", env={**env, "HUB_KEYS": "keys.json"}, cwd=tmp_path)
    assert failed.returncode == 2
    assert "HUB_KEYS holds the key ring's JSON itself" in failed.stderr and "not a path" in failed.stderr
    assert "provider: file, settings: {path: FILE}" in failed.stderr
