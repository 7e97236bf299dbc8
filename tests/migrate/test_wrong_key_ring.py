"""A key ring that is not the store's is refused before anything is written (issue: a migration with a
newly generated ring re-encrypted the store's records under it and passed; the real ring then read none)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from hub.core.crypto import KeyRing
from tests.migrate.test_cli_resume import EXAMPLE, hub

MIGRATE = ("--source", str(EXAMPLE), "--export", "legacy_ai_interview", "--max-error-rate", "0.2")


def _fingerprint(db: Path) -> tuple[str, int]:
    with sqlite3.connect(db) as conn:
        changes = conn.execute("SELECT count(*) FROM change_log").fetchone()[0]
    return hashlib.sha256(db.read_bytes()).hexdigest(), changes


@pytest.mark.parametrize("second_run", [(), ("--dry-run",)], ids=["write", "dry-run"])
def test_a_migration_with_another_ring_exits_before_the_first_write(tmp_path: Path, cli_env: dict[str, str],
                                                                    second_run: tuple[str, ...]) -> None:  # fmt: skip
    first = hub(cli_env, *MIGRATE, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    db = tmp_path / "cli.db"
    before = _fingerprint(db)

    stranger = {**cli_env, "HUB_KEYS": KeyRing.generate("k1").to_json()}
    refused = hub(stranger, *MIGRATE, *second_run, cwd=tmp_path)

    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "key-ring-mismatch" in refused.stderr and "keys index, k1 differ" in refused.stderr
    assert _fingerprint(db) == before  # not one byte written
    again = hub(cli_env, *MIGRATE, "--dry-run", cwd=tmp_path)  # the right ring still reads everything
    assert again.returncode == 0, again.stderr


def test_a_store_from_before_key_checks_is_checked_by_decrypting_a_record(tmp_path: Path, cli_env: dict[str, str]) -> None:
    first = hub(cli_env, *MIGRATE, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(tmp_path / "cli.db") as conn:  # as a store written before revision 0006 looks
        conn.execute("DELETE FROM key_checks")

    stranger = {**cli_env, "HUB_KEYS": KeyRing.generate("k1").to_json()}
    refused = hub(stranger, *MIGRATE, cwd=tmp_path)

    assert refused.returncode == 2 and "cannot read the store's records" in refused.stderr, refused.stderr
    assert hub(cli_env, *MIGRATE, cwd=tmp_path).returncode == 0  # the right ring passes, and records the checks
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        assert {kid for (kid,) in conn.execute("SELECT key_id FROM key_checks")} == {"index", "k1"}
