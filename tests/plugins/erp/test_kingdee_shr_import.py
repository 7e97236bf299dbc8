"""The s-HR (金蝶云·苍穹) employee import template: employees routed to the ``files_import`` target with
``mappings: kingdee_shr`` become rows under the template's headers, and the file reads back into the
same employees (the real target, store and openpyxl; docs/connectors/kingdee.md, last section)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook

from hub.core.config import HubConfig
from hub.core.delivery import DeliveryRunner, attach_routes
from hub.core.mapping import load_mapping
from hub.core.models import Employee
from hub.testing import sqlite_store

TEMPLATE = Path(__file__).resolve().parents[3] / "hub" / "mappings" / "files" / "kingdee_shr" / "employee.yaml"
HEADERS = ("员工编码", "姓名", "手机号码", "邮箱", "证件号码", "行政组织", "职位", "入职日期", "用工状态")


def test_employees_become_rows_of_the_shr_template_and_read_back(tmp_path: Path) -> None:
    config = HubConfig.model_validate({
        "connectors": {"shr_inbox": {"type": "files_import", "settings": {
            "directory": str(tmp_path / "out"), "format": "xlsx", "mappings": "kingdee_shr",
            "bookkeeping_columns": False}}},
        "routes": [{"name": "employees-to-shr", "entity": "employee", "target": "shr_inbox"}]})
    hired = Employee(external_ids={"kingdee": "100201"}, employee_number="EMP0201", name="测试新员工",
                     phones=["+14155550177"], emails=["test.newhire@example.com"], department="研发部",
                     title="软件工程师", hire_date=dt.date(2024, 8, 1), employment_status="pending")
    with sqlite_store(tmp_path) as store:
        attach_routes(store, config)
        with store.transaction() as tx:
            store.upsert_many(tx, "kingdee", [hired])
        assert DeliveryRunner(store, config).run().counters == {"shr_inbox": {"delivered": 1}}
    [path] = (tmp_path / "out").iterdir()
    header, row = list(load_workbook(path).active.iter_rows(values_only=True))
    assert header == tuple(h for h in HEADERS if h != "证件号码")  # a column no record fills is not written
    written = dict(zip(header, row, strict=True))
    assert (written["员工编码"], written["入职日期"], written["用工状态"]) == ("EMP0201", "2024-08-01", "待入职")
    back = load_mapping(TEMPLATE).apply(written)
    assert (back["name"], back["phones"], back["hire_date"], back["employment_status"]) == (
        "测试新员工", ["+14155550177"], dt.date(2024, 8, 1), "pending")
