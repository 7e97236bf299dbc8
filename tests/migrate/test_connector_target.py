"""Migrating into a connector that writes: a legacy employee export into a payroll system's import files.

The source is an employee export in the payroll import shape (``mapping/files/payroll_import``); the
target is the import-file connector (``plugins/files/import_target.py``), which writes the reverse
mapping of every record it is handed. The records go through the real store, outbox and delivery
runner; the files it writes are read back and compared with the export, value by value.
"""

from __future__ import annotations

import csv
import json
import random
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from stdnum import luhn

from hub.core.config import HubConfig
from hub.core.errors import ConfigError
from hub.core.migrate import ConnectorTarget, FileSource, JobSettings, Migration
from hub.core.store import Store
from tests.migrate.conftest import HUB, generator
from tests.support.observer_plugin import ObserverPlugin, manager

PAYROLL_MAPPINGS = Path(__file__).resolve().parents[2] / "hub" / "mappings" / "files" / "payroll_import"
COLUMNS = ("工号", "姓名", "身份证号", "部门", "职位", "入职日期", "银行卡号")
NAMES = ("王芳", "李娜", "张伟", "刘洋", "陈静", "欧阳娜娜", "赵磊", "孙丽")


def employees(count: int) -> list[dict[str, str]]:
    """Made-up employees with valid resident IDs (GB 11643) and Luhn-valid card numbers."""
    rng = random.Random(7)
    rows = []
    for i in range(count):
        card = f"6222020{rng.randrange(10**11):011d}"
        rows.append({"工号": f"E{1000 + i}", "姓名": NAMES[i % len(NAMES)], "身份证号": generator._resident_id(rng, i),
                     "部门": ("研发部", "销售部", "财务部")[i % 3], "职位": "工程师",
                     "入职日期": f"{2015 + i % 9}年{i % 12 + 1}月{i % 27 + 1}日", "银行卡号": card + luhn.calc_check_digit(card)})
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def config_for(directory: Path, **settings: str) -> HubConfig:
    return HubConfig.model_validate({"connectors": {"payroll_inbox": {"type": "files_import", "settings": {
        "directory": str(directory), "mappings": "payroll_import", **settings}}}})


def migrate(store: Store, export: Path, config: HubConfig, workdir: Path, **job: Any) -> Any:
    return migrate_into(store, export, config, workdir, **job)[0]


def migrate_into(store: Store, export: Path, config: HubConfig, workdir: Path, **job: Any) -> tuple[Any, ConnectorTarget]:
    source = FileSource({"path": str(export), "mappings": str(PAYROLL_MAPPINGS)}, entities=["employee"])
    target = ConnectorTarget(store, source.system, "payroll_inbox", config, source.mappings)
    settings = JobSettings(source=source.settings, entities=("employee",), target="payroll_inbox", **job)
    return Migration(settings, source, target, workdir=workdir, progress=False, parallel=False).run(), target


def written_rows(directory: Path, kind: str = "employee") -> list[dict[str, str]]:
    rows = []
    for path in sorted(directory.glob(f"{kind}-*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def test_every_record_reaches_the_connector_once_with_the_values_of_the_export(store_factory: Any, tmp_path: Path) -> None:
    source_rows = employees(30)
    export = write_csv(tmp_path / "employees.csv", source_rows + source_rows[3:5])  # two repeated: same ids, same data
    inbox = tmp_path / "inbox"

    store = store_factory()
    result = migrate(store, export, config_for(inbox), tmp_path, batch_size=8)

    assert result.passed, result.reasons
    with sqlite3.connect(store.engine.url.database) as conn:  # the repeated two, unchanged, were not queued again
        assert conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall() == [("delivered", 30)]
    [employee] = result.reconciliation
    assert (employee.source_count, employee.target_count, employee.missing, employee.undelivered) == (30, 30, 0, 0)
    delivered = written_rows(inbox)
    assert sorted(row["工号"] for row in delivered) == sorted(row["工号"] for row in source_rows)  # each once
    by_number = {row["工号"]: row for row in delivered}
    for row in source_rows:
        took = by_number[row["工号"]]
        assert (took["姓名"], took["身份证号"], took["银行卡号"]) == (row["姓名"], row["身份证号"], row["银行卡号"])
        assert took["部门"] == row["部门"] and took["hub_delivery_key"].startswith("hub-migrate.")


def test_what_the_connector_refuses_is_reported_as_not_delivered_and_fails_the_run(store_factory: Any, tmp_path: Path) -> None:
    source_rows = employees(12)
    export = write_csv(tmp_path / "employees.csv", source_rows)
    blocked = tmp_path / "inbox"
    blocked.write_text("a file where the import directory should be", encoding="utf-8")
    store = store_factory()

    result = migrate(store, export, config_for(blocked), tmp_path)

    assert not result.passed and any("12 not delivered to the target" in reason for reason in result.reasons)
    [employee] = result.reconciliation
    assert (employee.target_count, employee.missing, employee.undelivered) == (12, 0, 12)  # in the store, not delivered
    refused = [f for f in result.findings if f.kind == "not_delivered"]
    assert sorted(f.record for f in refused) == sorted(row["工号"] for row in source_rows)
    assert all("cannot write the import file" in f.error.reason for f in refused)
    text = " ".join(str(f.error) for f in refused)
    assert not any(row["身份证号"] in text or row["银行卡号"] in text for row in source_rows)  # no PII in the findings
    with sqlite3.connect(store.engine.url.database) as conn:
        assert conn.execute("SELECT count(*) FROM dead_letters WHERE stream LIKE 'outbox:migrate.%'").fetchone() == (12,)


def test_a_target_that_cannot_write_a_kind_is_refused_before_any_work(store_factory: Any, tmp_path: Path) -> None:
    source = FileSource({"path": str(write_csv(tmp_path / "e.csv", employees(2))), "mappings": str(PAYROLL_MAPPINGS)},
                        entities=["employee"])  # an employees file: the offer mapping's columns are not in it
    config = config_for(tmp_path / "inbox")
    with pytest.raises(ConfigError, match="no reverse mapping for candidate"):
        ConnectorTarget(store_factory(), source.system, "payroll_inbox", config, ["employee", "candidate"])
    with pytest.raises(ConfigError, match="neither `store` nor a connector of hub.yaml that writes; connectors that "
                                          "write: payroll_inbox"):
        ConnectorTarget(store_factory(), source.system, "greenhouse", config, ["employee"])


def test_hub_migrate_delivers_to_a_configured_connector(tmp_path: Path, cli_env: dict[str, str]) -> None:
    source_rows = employees(20)
    export = write_csv(tmp_path / "employees.csv", source_rows)
    config = tmp_path / "hub.yaml"
    config.write_text("connectors:\n  payroll_inbox:\n    type: files_import\n"
                      f"    settings: {{directory: '{tmp_path / 'inbox'}', mappings: payroll_import}}\n", encoding="utf-8")
    args = ("--source", str(export), "--mappings", str(PAYROLL_MAPPINGS), "--entities", "employee", "--config", str(config))
    done = subprocess.run([str(HUB), "migrate", "--no-progress", *args, "--target", "payroll_inbox"], capture_output=True,
                          text=True, env=cli_env, cwd=tmp_path, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    assert "status: PASS" in done.stdout
    assert sorted(row["工号"] for row in written_rows(tmp_path / "inbox")) == sorted(row["工号"] for row in source_rows)
    wrong = subprocess.run([str(HUB), "migrate", "--no-progress", *args, "--target", "nowhere"], capture_output=True,
                           text=True, env=cli_env, cwd=tmp_path, timeout=300, check=False)  # fmt: skip
    assert wrong.returncode == 2 and "connectors that write: payroll_inbox" in wrong.stderr
    assert len(list((tmp_path / ".hub-migrate").glob("*.ledger"))) == 1  # refused before its run began


def test_an_interrupted_run_resumes_and_delivers_each_record_once(store_factory: Any, tmp_path: Path) -> None:
    source_rows = employees(25)
    export = write_csv(tmp_path / "employees.csv", source_rows)
    inbox, store, config = tmp_path / "inbox", store_factory(), config_for(tmp_path / "inbox")

    def opened(**run: Any) -> Migration:
        source = FileSource({"path": str(export), "mappings": str(PAYROLL_MAPPINGS)}, entities=["employee"])
        target = ConnectorTarget(store, source.system, "payroll_inbox", config, source.mappings)
        settings = JobSettings(source=source.settings, entities=("employee",), target="payroll_inbox", batch_size=10)
        return Migration(settings, source, target, workdir=tmp_path, progress=False, parallel=False, **run)

    def crash(state: dict[str, Any]) -> None:
        if state["rows"] == 20:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        opened(on_batch=crash).run()
    assert written_rows(inbox) == []  # deliveries run after the last batch; two batches wait in the outbox
    run_id = store.engine.connect().exec_driver_sql("SELECT id FROM job_runs").scalar_one()

    result = opened().run(resume=run_id)

    assert result.passed, result.reasons
    assert sorted(row["工号"] for row in written_rows(inbox)) == sorted(row["工号"] for row in source_rows)


def test_a_large_migration_arrives_as_one_import_file_not_one_per_200_records(store_factory: Any, tmp_path: Path) -> None:
    export = write_csv(tmp_path / "employees.csv", employees(450))
    inbox = tmp_path / "inbox"
    result = migrate(store_factory(), export, config_for(inbox), tmp_path)
    assert result.passed, result.reasons
    [file] = inbox.glob("employee-*.csv")
    assert len(written_rows(inbox)) == 450


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_values_that_look_like_formulas_read_back_as_what_was_meant(store_factory: Any, tmp_path: Path, fmt: str) -> None:
    """The import file neutralizes formulas (a quote in CSV, a text cell in XLSX); reading it back
    compares the values meant, so the migration passes instead of reporting every such value changed."""
    source_rows = employees(8)
    for row, title in zip(source_rows, ("=1+1", "+86 专线", "-兼职-", "@HR", "'引号'", "''两个")):
        row["职位"] = title
    export = write_csv(tmp_path / "employees.csv", source_rows)

    result = migrate(store_factory(), export, config_for(tmp_path / "inbox", format=fmt), tmp_path)

    assert result.passed, result.reasons
    [employee] = result.reconciliation
    assert (employee.undelivered, employee.connector_mismatched) == (0, {})
    if fmt == "xlsx":  # text cells hold the text itself: no apostrophe for a person to see
        [path] = (tmp_path / "inbox").glob("employee-*.xlsx")
        cells = [cell for row in load_workbook(path).active.iter_rows(min_row=2) for cell in row if cell.value]
        assert {"=1+1", "+86 专线", "'引号'"} <= {cell.value for cell in cells}
        assert all(cell.data_type == "s" for cell in cells if isinstance(cell.value, str))
    else:
        titles = {row["职位"] for row in written_rows(tmp_path / "inbox")}
        assert {"'=1+1", "'+86 专线", "''引号'", "'''两个"} <= titles


def test_a_value_the_connector_re_encodes_is_caught_by_reading_its_file_back(store_factory: Any, tmp_path: Path) -> None:
    """XML normalizes a line break written as CR LF to LF, so a workbook's cell silently holds
    another name than the export's (a value typed with Alt-Enter on Windows). Reading the file back
    finds it. (Control characters, which XML 1.0 cannot hold at all, never get this far: every export
    reader refuses their row.)"""
    source_rows = employees(6)
    source_rows[2]["姓名"] = "王\r\n芳"
    export = tmp_path / "employees.jsonl"
    export.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in source_rows), encoding="utf-8")

    result = migrate(store_factory(), export, config_for(tmp_path / "inbox", format="xlsx"), tmp_path)

    assert not result.passed and any("1 field values differ in the target" in r for r in result.reasons)
    [employee] = result.reconciliation
    assert (employee.undelivered, employee.connector_mismatched) == (0, {"name": 1})
    [finding] = [f for f in result.findings if f.kind == "checksum_mismatch"]
    assert (finding.record, finding.field) == ("E1002", "employee.name")
    assert "王" not in str(finding.error)  # a name is PII: shown masked
    assert employee.diffs == [{"record": "E1002", "row": None, "field": "name", "target": f"{finding.error.value} (in payroll_inbox)"}]


def test_records_the_connector_took_but_no_longer_holds_are_not_delivered(store_factory: Any, tmp_path: Path) -> None:
    export = write_csv(tmp_path / "employees.csv", employees(5))
    inbox = tmp_path / "inbox"
    result, target = migrate_into(store_factory(), export, config_for(inbox), tmp_path)
    assert result.passed, result.reasons
    for path in inbox.glob("employee-*.csv"):
        path.unlink()  # an importer took the file away
    findings = target.delivery_findings(result.run_id)["employee"]
    assert sorted(f.record for f in findings) == [f"E{1000 + i}" for i in range(5)]
    assert {f.kind for f in findings} == {"not_delivered"}
    assert all("does not hold it when read back" in f.error.reason for f in findings)


def test_a_line_of_the_connector_file_that_cannot_be_read_back_is_named_in_the_not_delivered_finding(
    store_factory: Any, tmp_path: Path
) -> None:
    """A line that does not parse names no record, so the record it held shows as not delivered;
    the finding then says which line of the file cannot be read, and why, for the person fixing it."""
    export = write_csv(tmp_path / "employees.csv", employees(4))
    inbox = tmp_path / "inbox"
    result, target = migrate_into(store_factory(), export, config_for(inbox, format="jsonl"), tmp_path)
    assert result.passed, result.reasons
    [path] = inbox.glob("employee-*.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    lost = json.loads(lines[2])["工号"]
    path.write_text("\n".join([*lines[:2], lines[2][: len(lines[2]) // 2], *lines[3:]]) + "\n", encoding="utf-8")

    [finding] = target.delivery_findings(result.run_id)["employee"]

    assert (finding.kind, finding.record) == ("not_delivered", lost)
    assert f"its files hold 1 line that cannot be read, which may be this record ({path.name}:3: not valid JSON" in finding.error.reason


def test_a_migrations_deliveries_are_events_of_its_run(store_factory: Any, tmp_path: Path) -> None:
    """The delivery runner the migration drives sends delivery_sent per record the connector took,
    under the migration's run id, after run_started and before run_finished."""
    plugin = ObserverPlugin()
    export = write_csv(tmp_path / "employees.csv", employees(10))
    source = FileSource({"path": str(export), "mappings": str(PAYROLL_MAPPINGS)}, entities=["employee"])
    target = ConnectorTarget(store_factory(), source.system, "payroll_inbox", config_for(tmp_path / "inbox"), source.mappings)
    settings = JobSettings(source=source.settings, entities=("employee",), target="payroll_inbox", batch_size=4)
    result = Migration(settings, source, target, workdir=tmp_path, progress=False, parallel=False, pm=manager(plugin)).run()

    assert result.passed, result.reasons
    sent = plugin.named("delivery_sent")
    assert len(sent) == 10 and {event.run_id for event in sent} == {result.run_id}
    assert {(event.data["target"], event.data["kind"]) for event in sent} == {("payroll_inbox", "employee")}
    names = plugin.names()
    assert names[0] == "run_started" and names[-1] == "run_finished"
    assert names.index("delivery_sent") > max(i for i, name in enumerate(names) if name == "batch_committed")


PAY = {"基本工资": "18000.00", "币种": "CNY", "计薪周期": "月薪"}
OFFERS = [{"录用编号": f"L{n}", "申请编号": f"A{n}", "状态": "accepted", "入职日期": "2026-07-01", **PAY,
           "计薪周期": ("月薪", "年薪")[n % 2]} for n in range(4)]


def hub_migrate(tmp_path: Path, cli_env: dict[str, str], kind: str, **settings: Any) -> subprocess.CompletedProcess[str]:
    """``hub migrate`` of a CSV of salaried employees or offers into payroll_inbox, through the real CLI."""
    rows = [{**row, **PAY} for row in employees(6)] if kind == "employee" else OFFERS
    export = tmp_path / f"{kind}s.csv"
    with export.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    connector = {"type": "files_import", "settings": {"directory": str(tmp_path / "inbox"), **settings}}
    (tmp_path / "hub.yaml").write_text(json.dumps({"connectors": {"payroll_inbox": connector}}), encoding="utf-8")
    args = ("--source", str(export), "--mappings", str(PAYROLL_MAPPINGS), "--entities", kind,
            "--config", str(tmp_path / "hub.yaml"), "--target", "payroll_inbox")  # fmt: skip
    return subprocess.run([str(HUB), "migrate", "--no-progress", *args], capture_output=True, text=True, env=cli_env,
                          cwd=tmp_path, timeout=300, check=False)  # fmt: skip


@pytest.mark.parametrize("kind", ["employee"])
def test_salary_reaches_payroll_with_the_templates_period_labels(tmp_path: Path, cli_env: dict[str, str],
                                                                  kind: str) -> None:  # fmt: skip
    done = hub_migrate(tmp_path, cli_env, kind, mappings="payroll_import")
    assert done.returncode == 0, done.stderr + done.stdout
    assert "status: PASS" in done.stdout

    written = written_rows(tmp_path / "inbox", kind)
    periods = ["月薪"] * 6 if kind == "employee" else [row["计薪周期"] for row in OFFERS]
    assert sorted((row["基本工资"], row["币种"], row["计薪周期"]) for row in written) == sorted(
        ("18000.00", "CNY", period) for period in periods)  # the template's labels, not "monthly"
    assert {"hub_id", "hub_delivery_key"} <= set(written[0])


@pytest.mark.parametrize("kind", ["employee"])
def test_without_bookkeeping_columns_the_file_holds_the_templates_columns_and_reads_back(
    tmp_path: Path, cli_env: dict[str, str], kind: str
) -> None:
    done = hub_migrate(tmp_path, cli_env, kind, mappings="payroll_import", bookkeeping_columns=False)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "status: PASS" in done.stdout

    [path] = (tmp_path / "inbox").glob(f"{kind}-*.csv")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle))
    template = yaml.safe_load((PAYROLL_MAPPINGS / f"{kind}.yaml").read_text(encoding="utf-8"))["reverse"]["fields"]
    assert sorted(header) == sorted(template)


def test_an_unknown_setting_of_the_import_target_is_an_error_naming_it(tmp_path: Path, cli_env: dict[str, str]) -> None:
    done = hub_migrate(tmp_path, cli_env, "employee", bookeeping_columns=False)
    assert done.returncode == 2, done.stderr + done.stdout
    assert "has no setting(s) bookeeping_columns" in done.stderr
    assert "bookkeeping_columns, directory, encoding, format, mappings, prefix" in done.stderr
