"""The generic AI-interview connector's exports: ``hub migrate --source <key>`` reads the configured file
with the files connector's reader and maps it by the vendor folder's ``export/`` mappings, into a real
SQLite store (the installed ``hub`` command, a real key ring)."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from hub.core.crypto import KeyRing
from hub.core.errors import ConfigError
from hub.core.mapping_files import MappingLookup
from hub.core.store import Store
from plugins.interview_vendors.generic import AiInterviewVendor
from tests.conftest import HUB

REPO = Path(__file__).resolve().parents[3]
EXPORT = REPO / "hub" / "examples" / "ai_interview_vendor" / "results.csv"
BUILT_IN = REPO / "hub" / "mappings" / "interview_vendors" / "ai_interview"


def migrate(folder: Path, settings: dict[str, Any], mappings: list[str] | None = None) -> tuple[int, str, Store]:
    """``hub migrate --source vendor`` over a fresh SQLite file; the exit code, output and the store."""
    keyring = KeyRing.generate("k1")
    config = {"database": {"url": f"sqlite:///{folder / 'hub.db'}"},
              "connectors": {"vendor": {"type": "ai_interview", "settings": settings}},
              **({"mappings": mappings} if mappings else {})}
    (folder / "hub.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    run = subprocess.run([str(HUB), "migrate", "--source", "vendor", "--config", str(folder / "hub.yaml"),
                          "--report", str(folder / "reports")], cwd=folder, capture_output=True, text=True,
                         env={"HUB_KEYS": keyring.to_json(), "PATH": str(HUB.parent)}, timeout=300)
    store = Store.open(config["database"]["url"], keyring)
    return run.returncode, run.stdout + run.stderr, store


def assessment(store: Store, result_id: str) -> Any:
    entity_id = store.find("ai_interview", result_id, "assessment")
    return None if entity_id is None else store.get("assessment", entity_id)


def test_the_example_export_is_migrated_into_assessments_candidates_and_jobs(tmp_path) -> None:
    code, output, store = migrate(tmp_path, {"path": str(EXPORT)})
    assert code == 0, output
    assert "assessment: 3 valid, 0 rejected" in output and "candidate: 3 valid, 0 rejected" in output
    results = {rid: assessment(store, rid) for rid in ("AI-0001", "AI-0002", "AI-0003")}
    assert {rid: (str(a.overall.normalized), a.recommendation.level.value, a.recommendation.raw)
            for rid, a in results.items()} == {"AI-0001": ("86.00", "yes", "推荐"),
                                               "AI-0002": ("71.00", "undecided", "待定"),
                                               "AI-0003": ("48.00", "no", "不推荐")}
    first = results["AI-0001"]
    assert {d.key: str(d.score.normalized) for d in first.dimensions} == {
        "communication": "88.00", "logical_thinking": "84.00", "learning_ability": "90.00", "stress_resilience": "79.00"}
    assert (first.candidate.external_id, first.job.external_id) == ("C-1001", "产品经理")
    assert first.report_url == "https://reports.example.com/r/AI-0001"
    assert first.completed_at.isoformat() == "2026-11-02T10:30:00+08:00"
    assert first.comments == "表达清晰，案例分析有条理。"
    store.close()
    database = sqlite3.connect(tmp_path / "hub.db")
    dump = "\n".join(database.iterdump())
    database.close()
    assert "表达清晰" not in dump and "lin.xiaoyu@example.com" not in dump and "林晓雨" not in dump


def test_a_users_vendor_folder_maps_an_xlsx_export_and_a_bad_row_is_a_dead_letter(tmp_path) -> None:
    """A vendor added without Python: the example folder copied as `my_vendor`, one column renamed, an
    XLSX export whose second row's score is off the 0–100 scale."""
    folder = tmp_path / "mappings" / "interview_vendors" / "my_vendor"
    shutil.copytree(BUILT_IN, folder)
    rule = folder / "export" / "assessment.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("from: 综合得分", "from: 总评分"), encoding="utf-8")
    rows = list(csv.reader(EXPORT.open(encoding="utf-8")))
    rows[0][rows[0].index("综合得分")] = "总评分"
    rows[2][rows[0].index("总评分")] = "120"
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "results.xlsx")
    code, output, store = migrate(tmp_path, {"vendor": "my_vendor", "path": str(tmp_path / "results.xlsx")},
                                  mappings=[str(tmp_path / "mappings")])
    assert "assessment: 2 valid, 1 rejected" in output, output
    assert code == 1 and "error rate 33.33% is above max_error_rate" in output  # reported, the rest stored
    assert assessment(store, "AI-0002") is None
    assert str(assessment(store, "AI-0003").overall.normalized) == "48.00"
    (letter,) = store.dead_letters()
    assert (letter.error_code, letter.error.get("field_path")) == ("mapping-error", "overall")
    store.close()


def test_an_export_path_with_no_export_mappings_is_refused_naming_where_it_looked(tmp_path) -> None:
    (tmp_path / "interview_vendors" / "webhooks_only" / "webhook").mkdir(parents=True)
    shutil.copy(BUILT_IN / "webhook" / "assessment.yaml", tmp_path / "interview_vendors" / "webhooks_only" / "webhook")
    connector = AiInterviewVendor({"vendor": "webhooks_only", "path": str(EXPORT)},
                                  mapping_lookup=MappingLookup((tmp_path,)))
    with pytest.raises(ConfigError, match="no export mappings for vendor 'webhooks_only'"):
        connector.export_settings()
    assert AiInterviewVendor({"vendor": "webhooks_only"}).export_settings() is None


def test_a_wrong_signature_setting_is_refused_when_the_connector_is_built() -> None:
    with pytest.raises(ConfigError, match="timestamp_header"):
        AiInterviewVendor({"webhook_secret": "s", "signature": {"signed_content": "{timestamp}.{body}"}})
    with pytest.raises(ConfigError, match="algoritm"):
        AiInterviewVendor({"webhook_secret": "s", "signature": {"algoritm": "sha1"}})
