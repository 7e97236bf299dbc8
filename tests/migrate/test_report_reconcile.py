"""Reports render for a person and hold no PII; reconciliation catches a value the target truncated."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from hub.core.migrate import FileSource, JobSettings, Migration, StoreTarget, Thresholds, build_report, write_reports
from tests.migrate.conftest import COMMENT_WIDTH, generator, source_rows, write_export


class Outline(HTMLParser):
    """What a reader sees: the title, tables by class, svg charts with bars, and all text."""

    def __init__(self) -> None:
        super().__init__()
        self.title, self.tables, self.svgs, self.rects, self.text = "", [], 0, 0, []
        self.links, self._in_title = [], False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        self._in_title = tag == "title"
        self.tables += [attrs.get("class")] if tag == "table" else []
        self.svgs += tag == "svg"
        self.rects += tag == "rect"
        self.links += [attrs[a] for a in ("src", "href") if a in attrs and tag != "svg"]

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.text.append(data)


def run(store, path: Path, **settings):
    source = FileSource({"path": str(path), "export": "legacy_ai_interview"})
    job = JobSettings(source=source.settings, max_length={"面试官评语": COMMENT_WIDTH}, **settings)
    return Migration(job, source, StoreTarget(store, source.system), progress=False).run()


def pii_values(rows: list[dict]) -> set[str]:
    """Every ID number, phone (as typed and as digits) and email of the source."""
    values = set()
    for row in rows:
        for column in ("身份证号", "手机号", "邮箱"):
            text = str(row[column]).strip()
            if text:
                values |= {text, text.lower()}
        digits = re.sub(r"\D", "", str(row["手机号"]))
        if digits:
            values.add(digits[-11:])
    return values


def test_html_report_renders_and_holds_no_pii(tmp_path: Path, store_factory) -> None:
    rows = source_rows()
    result = run(store_factory(), write_export(tmp_path / "export.csv", rows), thresholds=Thresholds(max_error_rate=0.5))
    json_path, html_path = write_reports(build_report(result), tmp_path / "reports")
    page = Outline()
    page.feed(html_path.read_text(encoding="utf-8"))
    assert page.title.startswith("Migration report — export.csv (pass)")
    assert {"totals", "worst", "fixes", "reconciliation"} <= set(page.tables)
    assert page.svgs == 2 and page.rects >= 5  # findings by field and by kind, one bar each
    assert page.links == []  # self-contained: nothing to fetch
    bad_row = generator.fault_rows(len(rows))["bad_id_checksum"]
    assert f"C2024{bad_row - 1:05d}" in "".join(page.text)  # the bad-checksum row is among the worst records
    report = json.loads(json_path.read_text(encoding="utf-8"))
    assert report["totals"]["rows"] == len(rows) and report["status"] == "pass"
    for path in (json_path, html_path):
        text = path.read_text(encoding="utf-8")
        leaked = [value for value in pii_values(rows) if value in text]
        assert leaked == [], f"{path.name} holds plaintext PII"


def test_reconciliation_catches_a_value_the_target_truncated(tmp_path: Path, store_factory) -> None:
    store = store_factory()
    rows = source_rows(faults=False)
    path = write_export(tmp_path / "export.csv", rows)

    def target_truncates(state: dict) -> None:
        """After the batch is committed, the target cuts one stored name to one character."""
        stored = store.get("candidate", store.find("legacy_ai_interview", "C202400003", "candidate"))
        stored.name = stored.name[:1]
        with store.transaction() as tx:
            store.upsert_many(tx, "legacy_ai_interview", [stored])

    source = FileSource({"path": str(path), "export": "legacy_ai_interview"})
    job = JobSettings(source=source.settings)
    result = Migration(job, source, StoreTarget(store, source.system), progress=False, on_batch=target_truncates).run()
    assert not result.passed and "1 field values differ" in result.reasons[0]
    assert {f.key for f in result.findings} == {(4, "candidate.name", "checksum_mismatch")}
    candidate = next(item for item in result.reconciliation if item.kind == "candidate")
    assert candidate.source_checksums["name"] != candidate.target_checksums["name"]
    assert candidate.source_checksums["phones"] == candidate.target_checksums["phones"]
    assert candidate.source_count == candidate.target_count == len(rows)
    (diff,) = candidate.diffs
    assert (diff["record"], diff["row"], diff["field"]) == ("C202400003", 4, "name")
    assert diff["source"] != diff["target"] and rows[2]["姓名"] not in json.dumps(diff, ensure_ascii=False)
