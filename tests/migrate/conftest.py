"""Fixtures for migration tests: exports with a known list of planted faults, a store, the CLI env."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hub.core.crypto import KeyRing
from hub.core.store import Store
from hub.examples import generate_legacy_export as generator

REPO = Path(__file__).resolve().parents[2]
HUB = Path(sys.executable).with_name("hub")

ROWS = 80
COMMENT_WIDTH = 40
MISSING_JOB = "区块链工程师"
#: Faults planted here on top of the generator's (row -> (column, value)); the expected findings below.
EXTRA = {
    5: ("面试时间", "45300.5"),  # a valid Excel serial typed as text: converted, not a finding
    7: ("面试时间", "9999999"),  # an Excel serial out of range
    15: ("面试官评语", "表达清晰，逻辑性强。".encode("gbk").decode("latin-1")),  # GBK read as Latin-1
    18: ("面试官评语", "表达清晰" * 10),  # fills the legacy column width of 40: cut
    25: ("应聘岗位", MISSING_JOB),  # a job the target does not have
}
_GENERATOR_KINDS = {
    "bad_id_checksum": ("candidate.national_id", "bad_checksum"),
    "impossible_date": ("assessment.completed_at", "invalid_date"),
    "score_out_of_range": ("assessment.overall", "out_of_range"),
    "invalid_phone": ("candidate.phones", "invalid_phone"),
    "unknown_status": ("application.status", "unknown_value"),
    "missing_required": ("candidate.name", "missing_required"),
    "duplicate_person": ("candidate.national_id", "duplicate"),
}

#: What references a rejected record of each kind (in the same row), and is stored all the same.
_ORPHANED = {"candidate": ("application.candidate", "assessment.candidate"), "application": ("assessment.application",)}


def expected_findings(rows: int = ROWS) -> set[tuple[int, str, str]]:
    """Every (row, field, kind) the migration must report for :func:`write_faulty_export`."""
    faults = generator.fault_rows(rows)
    planted = {(row, *_GENERATOR_KINDS[name]) for name, row in faults.items()}
    orphaned = {(row, field, "rejected_reference")  # stored, but pointing at the record the row could not give
                for name, row in faults.items() for field in _ORPHANED.get(_GENERATOR_KINDS[name][0].split(".")[0], ())}  # fmt: skip
    return planted | orphaned | {
        (7, "assessment.completed_at", "invalid_date"),
        (15, "source.面试官评语", "mojibake"),
        (18, "source.面试官评语", "truncated"),
        (25, "application.job", "missing_reference"),
        (25, "assessment.job", "missing_reference"),
    }


def source_rows(rows: int = ROWS, *, faults: bool = True) -> list[dict]:
    data = list(generator.generate_rows(rows, faults=faults))
    if faults:
        assert not set(EXTRA) & set(generator.fault_rows(rows).values())
        for row, (column, value) in EXTRA.items():
            data[row - 2][column] = value
    return data


def write_export(path: Path, rows: list[dict]) -> Path:
    """GB 18030 (GBK's superset: the mojibake row needs it) CSV, the way a Chinese Excel saves it."""
    generator.write_csv(path, rows, encoding="gb18030")
    return path


@pytest.fixture
def keyring() -> KeyRing:
    return KeyRing.generate()


@pytest.fixture
def store_factory(tmp_path: Path, keyring: KeyRing) -> Callable[[str], Store]:
    def make(name: str = "hub") -> Store:
        store = Store.open(f"sqlite:///{tmp_path / name}.db", keyring)
        store.upgrade()
        return store

    return make


@pytest.fixture
def cli_env(tmp_path: Path, keyring: KeyRing) -> dict[str, str]:
    """Environment for `hub migrate` subprocesses: a database in tmp_path and the test key ring."""
    return {**os.environ, "HUB_KEYS": keyring.to_json(), "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
