"""The connector's settings, entity check and registration through the hub.plugins entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.core.errors import ConfigError
from hub.core.plugins import load_registry
from plugins.files.export import FileExportConnector

EXAMPLE_DIR = Path(__file__).resolve().parents[3] / "hub" / "examples" / "legacy_ai_interview"

CSV = str(EXAMPLE_DIR / "ai_interview_results.csv")


def test_registered_as_the_files_connector():
    registry = load_registry()
    assert registry.connectors["files"] is FileExportConnector


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"export": "legacy_ai_interview"}, "needs the setting\\(s\\) path"),
        ({"path": CSV}, "set `export`"),
        ({"path": CSV, "export": "x", "sheeet": 1}, "has no setting\\(s\\) sheeet; it takes delimiter, encoding, export, "),
    ],
)
def test_bad_settings_are_config_errors(settings, reason):
    with pytest.raises(ConfigError, match=reason):
        FileExportConnector(settings)


def test_read_streams_raw_rows_for_a_mapped_entity_only(tmp_path):
    connector = FileExportConnector({"path": CSV, "export": "legacy_ai_interview"})
    rows = list(connector.read("candidate"))
    assert len(rows) == 60 and rows[0]["姓名"] == "郭怡"
    assert rows[0]["沟通能力|逻辑思维|抗压能力|专业知识"][0] == {"column": "沟通能力", "value": "3"}
    with pytest.raises(ConfigError, match="not 'offer'"):
        connector.read("offer")
    with pytest.raises(ConfigError, match="no mapping files"):
        FileExportConnector({"path": CSV, "mappings": str(tmp_path)}).read("candidate")


def test_remote_data_keeps_only_the_columns_each_mapping_reads():
    first = next(FileExportConnector({"path": CSV, "export": "legacy_ai_interview"}).map_rows())
    job = next(entity for entity in first.entities if entity.kind == "job")
    assert job.remote_data == {"应聘岗位": "产品经理", "部门": "产品部"}  # no candidate PII on a job
