"""Write the Yonyou YonBIP cassettes in this folder, and the signed event pushes (run by hand; the files are committed).

Why generated: one small, made-up tenant whose staff, departments and events must agree across files;
every staff page carries ``{"code": "200", "data": {"pageCount", "recordList"}}`` and is asked for by a
JSON body whose ``pageIndex`` counts up; the pushes are encrypted and signed with the test app secret.

The protocol follows the open platform's self-built app guide, yonyoucloud-open/corp-demo and the
数字化建模 staff/department API pages (docs/connectors/yonyou.md): the signed token GET (its
``appKey`` and ``signature`` recorded scrubbed, checked on the wire by the tests' matcher), the
``access_token`` query parameter, the ``{code, message, data}`` envelope, ``pubts`` times in China
time. People are fictional (example.com, +1 555-01xx numbers), ids are made up.

Usage::

    .venv/bin/python tests/cassettes/erp/yonyou/_build.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hub.core.msg_crypt import MsgCrypt
from hub.testing.cassette_writer import request, response, write_cassettes, write_json
from plugins.erp.yonyou import DEPT_STATUSES, DEPT_TREE, STAFF_LIST, TOKEN_URL, aes_key_from_secret, flatten_tree

HERE = Path(__file__).resolve().parent
TESTS = HERE.parents[2]
MAPPING_FIXTURES = TESTS / "fixtures" / "mapping" / "yonyou"
PUSHES = TESTS / "fixtures" / "yonyou"
GATEWAY = "https://c2.yonyoucloud.com/iuap-api-gateway"
APP_KEY, APP_SECRET = "test-app-key-not-real", "test-app-secret-not-real-0000000000000000"
NOW_MS = 1717232400000  # 2024-06-01T09:00:00Z: the tests' pinned token clock
PAGE = 2
ORG = "0001"
TOKEN = "<REDACTED-ACCESS-TOKEN-1>"


def _job(staff: str, dept: str, begin: str, post: str | None = None) -> dict[str, Any]:
    job = {"id": f"9{staff[1:]}", "staff_id": staff, "org_id": "1000000000000001", "dept_id": dept, "job_id": "",
           "post_id": "", "begindate": f"{begin} 00:00:00", "enddate": "", "lastestjob": 1, "dr": 0,
           "pubts": f"{begin} 10:00:00"}
    return {**job, "post_id_name": post, "dept_id_name": None} if post else job


def staff(n: int, name: str, dept: str, enable: int, pubts: str, begin: str, *, post: str | None = None) -> dict[str, Any]:
    sid = f"20000000000001{n:02d}"
    return {"id": sid, "code": f"E{n:04d}", "name": name, "email": f"{name.lower().replace(' ', '.')}@example.com",
            "mobile": f"+1-415-555-01{n:02d}", "sex": "1" if n % 2 else "2", "birthdate": f"199{n}-0{n}-1{n} 00:00:00",
            "enable": enable, "cert_type": "", "cert_no": "", "user_id": f"a1b2c3d4-0000-4000-8000-0000000000{n:02d}",
            "org_id": "1000000000000001", "dept_id": dept, "pubts": pubts,
            "mainJobList": [_job(sid, dept, begin, post)], "ptJobList": [], "bankAcctList": []}


ENG, HR, PLATFORM = "3000000000000011", "3000000000000012", "3000000000000013"
STAFF = [
    staff(1, "Avery Example", ENG, 1, "2024-05-20 09:00:00", "2020-03-01"),
    staff(2, "Blake Example", HR, 1, "2024-05-21 09:00:00", "2021-07-15"),
    staff(3, "Casey Example", PLATFORM, 0, "2024-05-22 09:00:00", "2024-07-01"),  # not yet enabled: pending
    staff(4, "Devon Example", ENG, 2, "2024-05-23 09:00:00", "2018-02-01"),     # disabled: terminated
    staff(5, "Emery Example", HR, 1, "2024-05-24 09:00:00", "2023-01-09"),
]
RESUMED = max(s["pubts"] for s in STAFF)
#: A status no table names: the mapping refuses it (a dead letter naming `enable`).
MALFORMED = {**staff(9, "Finley Example", ENG, 1, "2024-05-25 09:00:00", "2022-02-02"), "enable": 7}


def dept(did: str, code: str, name: str, parent: str, pubts: str, children: list[dict[str, Any]] | None = None,
         level: int = 1) -> dict[str, Any]:
    return {"id": did, "code": code, "name": name, "shortname": name, "parent": parent, "parent_code": "",
            "parentorgid": "1000000000000001", "orgid": did, "orgtype": "2", "level": level, "isEnd": 0 if children else 1,
            "enable": 1, "dr": "0", "sort": 1, "principal": "", "pubts": pubts, "children": children or []}


TREE = [dept(ENG, "D01", "研发中心", "1000000000000001", "2024-05-01 09:00:00",
             [dept(PLATFORM, "D0101", "平台组", ENG, "2024-05-03 09:00:00", level=2)]),
        dept(HR, "D02", "人力资源部", "1000000000000001", "2024-05-02 09:00:00")]
DEPT_RESUMED = max(d["pubts"] for d in flatten_tree(TREE))

# ---------------------------------------------------------------- HTTP pieces


def token() -> dict[str, Any]:
    """The signed token GET: appKey and signature recorded scrubbed (the tests' matcher checks them live)."""
    query = urlencode({"appKey": "<REDACTED>", "timestamp": str(NOW_MS), "signature": "<REDACTED>"})
    return {"request": request("GET", f"{TOKEN_URL}?{query}", headers={"Accept": "application/json"}),
            "response": response(200, {"code": "00000", "message": "成功！",
                                       "data": {"access_token": TOKEN, "expire": 7200}})}


def _call(method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    uri = f"{GATEWAY}{path}?{urlencode({**(query or {}), 'access_token': TOKEN})}"
    headers = {"Accept": "application/json", **({"Content-Type": "application/json"} if body is not None else {})}
    return request(method, uri, headers=headers, body=None if body is None else json.dumps(body, separators=(",", ":")))


def ok(data: Any) -> dict[str, Any]:
    return response(200, {"code": "200", "message": "操作成功", "data": data})


def staff_pages(records: list[dict[str, Any]], since: str | None = None) -> list[dict[str, Any]]:
    chunks = [records[i : i + PAGE] for i in range(0, len(records), PAGE)] or [[]]
    out = []
    for index, chunk in enumerate(chunks, 1):
        body = {"pageSize": PAGE, **({"pubts": since} if since else {}), "pageIndex": index}
        data = {"pageCount": str(len(chunks)), "pageSize": PAGE, "recordCount": len(records), "recordList": chunk}
        out.append({"request": _call("POST", STAFF_LIST, body), "response": ok(data)})
    return out


def tree(since: str | None = None) -> dict[str, Any]:
    query = {"parentorgcode": ORG, "enable": list(DEPT_STATUSES), **({"pubts": since} if since else {})}
    nodes = TREE if since is None else [d for d in TREE if d["pubts"] >= since]
    return {"request": _call("POST", DEPT_TREE, {"externalData": query}), "response": ok(nodes)}


def detail(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    path = "/yonbip/digitalModel/staff/detail" if kind == "staff" else "/yonbip/digitalModel/admindept/detail"
    named = {**record, "mainJobList": [{**j, "post_id_name": "Engineer", "dept_id_name": "研发中心"}
                                       for j in record.get("mainJobList", [])]} if kind == "staff" else record
    return {"request": _call("GET", path, query={"id": record["id"]}), "response": ok(named)}


def retried() -> list[dict[str, Any]]:
    pages = staff_pages(STAFF)
    second = pages[1]["request"]
    throttled = response(429, {"code": "429", "message": "请求过于频繁，请稍后重试"}, headers={"Retry-After": "1"})
    unavailable = response(503, {"code": "503", "message": "服务暂不可用"})
    return [token(), pages[0], {"request": second, "response": throttled},
            {"request": second, "response": unavailable}, *pages[1:]]


def errors() -> list[dict[str, Any]]:
    """A call refused in the envelope (HTTP 200, code 999), and a token the platform will not sign."""
    refused = {"request": _call("POST", STAFF_LIST, {"pageSize": 501, "pageIndex": 1}),
               "response": response(200, {"code": "999", "message": "每页查询数量不能超过500"})}
    return [token(), refused]


def cassettes() -> dict[str, list[dict[str, Any]]]:
    no_dept = {**TREE[1], "children": []}
    return {
        "staff": [token(), *staff_pages(STAFF)],
        "departments": [token(), tree()],
        "resume": [token(), *staff_pages([s for s in STAFF if s["pubts"] >= RESUMED], RESUMED)],
        "departments_resume": [token(), tree(DEPT_RESUMED)],
        "retried": retried(),
        "malformed": [token(), *staff_pages([STAFF[0], MALFORMED])],
        "events": [token(), detail("staff", STAFF[0]), detail("staff", STAFF[3]), detail("dept", no_dept)],
        "errors": errors(),
    }


# ---------------------------------------------------------------- the event pushes


def push(event: dict[str, Any], nonce: str, timestamp: int) -> dict[str, Any]:
    """An event as the platform pushes it: encrypted for the app, signed with its secret (SHA-1)."""
    crypt = MsgCrypt(APP_SECRET, aes_key_from_secret(APP_SECRET), APP_KEY)
    sealed = crypt.encrypt(json.dumps(event, separators=(",", ":")), nonce, str(timestamp),
                           random16=nonce.encode().ljust(16, b"0")[:16])
    return {"msgSignature": sealed.signature, "timestamp": timestamp, "nonce": nonce, "encrypt": sealed.encrypt}


def pushes() -> dict[str, dict[str, Any]]:
    tenant = "t0000001"
    return {
        "push_staff_add.json": push({"type": "STAFF_ADD", "eventId": "0a1b2c3d-0000-4000-8000-000000000001",
                                     "timestamp": NOW_MS, "tenantId": tenant, "staffId": [STAFF[0]["id"]]},
                                    "uM48M4qajlEtVCz4", NOW_MS),
        "push_staff_disable.json": push({"type": "STAFF_DISABLE", "eventId": "0a1b2c3d-0000-4000-8000-000000000002",
                                         "timestamp": NOW_MS + 1000, "tenantId": tenant, "staffId": [STAFF[3]["id"]]},
                                        "q8Xv2LmN0pR4sT6u", NOW_MS + 1000),
        "push_dept_update.json": push({"type": "DEPT_UPDATE", "eventId": "0a1b2c3d-0000-4000-8000-000000000003",
                                       "timestamp": NOW_MS + 2000, "tenantId": tenant, "deptId": [HR]},
                                      "b7Yc1KdE9fG3hJ5k", NOW_MS + 2000),
        "push_dept_delete.json": push({"type": "DEPT_DELETE", "eventId": "0a1b2c3d-0000-4000-8000-000000000004",
                                       "timestamp": NOW_MS + 3000, "tenantId": tenant, "deptId": [PLATFORM]},
                                      "c2Wd4MfH6jK8lN0p", NOW_MS + 3000),
        "push_check_url.json": push({"type": "CHECK_URL", "eventId": "0a1b2c3d-0000-4000-8000-000000000005",
                                     "timestamp": NOW_MS, "tenantId": tenant}, "d5Xe7NgJ9kL1mP3q", NOW_MS),
    }


def main() -> None:
    write_cassettes(HERE, cassettes())
    write_json(MAPPING_FIXTURES / "employee.before.json", STAFF)
    departments = [{**d, "_hub": {"parent_department": None if d["parent"] == d["parentorgid"] else d["parent"]}}
                   for d in flatten_tree(TREE)]
    write_json(MAPPING_FIXTURES / "department.before.json", departments)
    for name, body in pushes().items():
        write_json(PUSHES / name, body)


if __name__ == "__main__":
    main()
