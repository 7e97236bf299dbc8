"""Issue 31, point 1: `hub erase` after a migration leaves none of the person's values anywhere.

A migration's dead letters are named by the row (``<file>:<row>``), not by an external id, and a
duplicate row of the person is held back under another candidate's id: only the blind indexes and
links kept with each letter find them. Run as a user runs it (the `hub` executable), then every file
the run left is scanned byte by byte.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from hub.core.transforms.identity import cn_resident_id, email, phone
from tests.migrate.conftest import HUB, generator, write_export

PERSON, TWIN = 2, 5  # row indexes: the person's own row (its score out of range) and a row claiming to be them


def hub(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HUB), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300, check=False)


def person_values(row: dict) -> set[bytes]:
    """The person's values as the export wrote them and as the store normalizes them, in both encodings."""
    texts = {row["姓名"], row["手机号"], phone(row["手机号"]), row["身份证号"], cn_resident_id(row["身份证号"])}
    if row["邮箱"]:
        texts |= {row["邮箱"], email(row["邮箱"])}
    return {text.encode(encoding) for text in texts for encoding in ("utf-8", "gb18030")}


def leaks(folder: Path, values: set[bytes], *, skip: Path) -> list[str]:
    """``file: value`` for each value found in a file under ``folder`` (the export itself skipped)."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p != skip):
        content = path.read_bytes()
        found += [f"{path.relative_to(folder)}: {value!r}" for value in values if value in content]
    return found


def test_erase_after_a_migration_leaves_no_value_of_the_person(tmp_path: Path, cli_env: dict[str, str]) -> None:
    env = {**cli_env, "HUB_CONFIG": str(tmp_path / "none.yaml")}
    rows = list(generator.generate_rows(20, faults=False))
    person = rows[PERSON]
    person["总分"] = "120"  # the person's assessment is rejected: a dead letter holding the whole row
    rows[TWIN].update({column: person[column] for column in ("姓名", "手机号", "邮箱", "身份证号")})
    export = write_export(tmp_path / "export.csv", rows)
    migrated = hub(env, "migrate", "--no-progress", "--source", str(export), "--export", "legacy_ai_interview",
                   "--max-error-rate", "1", cwd=tmp_path)  # fmt: skip
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    db = tmp_path / "cli.db"
    with sqlite3.connect(db) as conn:
        [candidate_id] = conn.execute(
            "SELECT entity_id FROM external_ids WHERE kind = 'candidate' AND external_id = ?", (person["候选人编号"],)
        ).fetchone()
        refs = {ref for (ref,) in conn.execute("SELECT record_ref FROM dead_letters")}
    assert {f"export.csv:{PERSON + 2}", f"export.csv:{TWIN + 2}"} <= {ref.rsplit("/", 1)[-1] for ref in refs}

    erased = hub(env, "erase", "--candidate", candidate_id, "--actor", "dpo", cwd=tmp_path)
    assert erased.returncode == 0, erased.stderr

    values = person_values(person)
    scanned = {path.relative_to(tmp_path).parts[0] for path in tmp_path.rglob("*") if path.is_file()}
    assert {"cli.db", "cli.db-wal", "migration-reports", ".hub-migrate"} <= scanned
    assert leaks(tmp_path, values, skip=export) == []
    with sqlite3.connect(db) as conn:
        letters = [letter for (letter,) in conn.execute("SELECT id FROM dead_letters")]
    shown = [hub(env, "dead-letters", "show", letter, "--payload", "--actor", "dpo", cwd=tmp_path) for letter in letters]
    assert all(done.returncode == 0 for done in shown), [done.stderr for done in shown]
    assert not [value for done in shown for value in values if value in done.stdout.encode()]
    with sqlite3.connect(db) as conn:
        reads = conn.execute("SELECT actor, detail FROM audit_log WHERE action = 'read_dead_letter_payload'").fetchall()
    assert sorted(json.loads(detail)["dead_letter"] for _, detail in reads) == sorted(letters)
    assert {actor for actor, _ in reads} == {"dpo"}
