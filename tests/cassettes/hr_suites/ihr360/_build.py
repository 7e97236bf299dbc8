"""Write the i人事 (ihr360) OpenAPI cassettes in this folder (run by hand; the YAML files are committed).

Why generated: one small, made-up company whose departments and staff must agree across files; the staff
pass is two calls a page (a page of ids from ``/staffs/ids``, then those ids' records from
``/staffs/basic``), each answer in the ``{"code": 0, "message", "data", "errorResult": false}`` envelope.

The protocol follows the copies of i人事's OpenAPI documentation and the public clients named in
docs/connectors/ihr360.md (every fact there [unverified]): the client-credentials token with the app id
and secret as HTTP Basic (recorded scrubbed, checked on the wire by the tests' matcher), ``Bearer`` on
every call, ``Content-Type: application/json;charset=UTF-8``. People are fictional (example.com,
+1 555-01xx numbers), ids made up.

Usage::

    .venv/bin/python tests/cassettes/hr_suites/ihr360/_build.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hub.testing.cassette_writer import request, response, write_cassettes, write_json
from plugins.hr_suites.ihr360 import ORG_TREE, STAFF_BASIC, STAFF_IDS

HERE = Path(__file__).resolve().parent
MAPPING_FIXTURES = HERE.parents[2] / "fixtures" / "mapping" / "ihr360"
API = "https://openapi.ihr360.com/openapi"
PAGE = 2
COMPANY = "test-company-0001"
ROOT = 3
JSON_UTF8 = "application/json;charset=UTF-8"


def department(did: int, code: str, name: str, parent: int, status: str = "ENABLE") -> dict[str, Any]:
    return {"id": f"d0000000-0000-4000-8000-{did:012d}", "companyId": COMPANY, "parentId": str(parent),
            "staffId": None, "staffName": None, "departmentId": str(did), "departmentName": name,
            "inServiceNumber": None, "inServiceTotalNumber": None, "departmentStatus": status, "departmentCode": code}


DEPARTMENTS = [department(3, "HQ", "集团总部", 0), department(27, "PDC", "产品中心", 3),
               department(28, "PDC01", "研发部", 27), department(29, "PDC02", "测试部", 27, "DISABLE")]


def staff(n: int, name: str, dept: int, status: str, enrolled: str, *, position: str = "工程师") -> dict[str, Any]:
    return {"staffId": f"5a000000-0000-4000-8000-{n:012d}", "staffNo": f"HQ{n:05d}", "staffName": name,
            "englishName": None, "nickName": None, "mobileNo": f"+1-415-555-01{n:02d}",
            "email": f"staff{n}@example.com", "workEmail": f"staff{n}.work@example.com", "workPhone": None,
            "staffStatus": status, "idCardType": "OTHER", "idCardNo": None, "departmentId": dept,
            "departmentName": next(d["departmentName"] for d in DEPARTMENTS if d["departmentId"] == str(dept)),
            "positionId": None, "positionName": position, "sex": "MALE" if n % 2 else "FEMALE", "staffImageId": None,
            "staffType": "FULLTIME", "marryStatus": None, "highestEducation": "UNDER_GRADUATE", "workPlace": "上海",
            "birthday": f"199{n}-0{n}-1{n}", "contractBeginDate": enrolled, "contractEndDate": None,
            "enrollInDate": enrolled, "leaveDate": "2024-05-31" if status == "QUIT" else None,
            "probationEndDate": None, "createdDate": f"{enrolled} 10:00:00", "lastUpdateDate": f"2024-06-0{n} 09:00:00"}


STAFF = [staff(1, "李一", 28, "IN_SERVICE", "2020-03-01"), staff(2, "王二", 28, "IN_SERVICE", "2021-07-15"),
         staff(3, "张三", 27, "QUIT", "2019-02-01", position="产品经理"), staff(4, "赵四", 29, "IN_SERVICE", "2022-09-05"),
         staff(5, "钱五", 3, "IN_SERVICE", "2018-01-02", position="总经理")]
#: A status the table does not name: the mapping refuses it (a dead letter naming staffStatus).
MALFORMED = {**staff(9, "孙九", 28, "IN_SERVICE", "2023-03-03"), "staffStatus": "SUSPENDED"}

# ---------------------------------------------------------------- HTTP pieces

DATA_HEADERS = {"Accept": "application/json", "Content-Type": JSON_UTF8, "Authorization": "Bearer <REDACTED>"}


def envelope(data: Any, message: str = "SUCCESS") -> dict[str, Any]:
    return response(200, {"code": 0, "message": message, "data": data, "errorResult": False})


def token() -> dict[str, Any]:
    uri = f"{API}/oauth/token?{urlencode({'grant_type': 'client_credentials', 'scope': 'client'})}"
    return {"request": request("POST", uri, headers={"Authorization": "Basic <REDACTED>", "Content-Type": JSON_UTF8}),
            "response": response(200, {"access_token": "<REDACTED-ACCESS-TOKEN-1>", "token_type": "bearer",
                                       "refresh_token": "<REDACTED-REFRESH-TOKEN-1>", "expires_in": 7199,
                                       "scope": "client"})}


def tree() -> dict[str, Any]:
    uri = f"{API}{ORG_TREE}?{urlencode({'departmentStatus': 'ALL', 'companyId': COMPANY})}"
    body = json.dumps([{"departmentId": ROOT, "includeAll": True}], separators=(",", ":"))
    return {"request": request("POST", uri, headers=DATA_HEADERS, body=body),
            "response": response(200, {"data": {str(ROOT): DEPARTMENTS}, "code": 0, "message": "OK",
                                       "errorResult": False})}


def staff_pages(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per page: the ids (``pageNo`` from 1, ``pageSize``), then those ids' records."""
    chunks = [records[i : i + PAGE] for i in range(0, len(records), PAGE)] or [[]]
    out = []
    for number, chunk in enumerate(chunks, 1):
        ids = [r["staffId"] for r in chunk]
        listed = {"pageInfo": {"pageNo": number, "pageSize": PAGE, "totalPages": len(chunks), "totalElements": len(records)},
                  "dataList": ids}
        out.append({"request": request("GET", f"{API}{STAFF_IDS}?{urlencode({'pageSize': PAGE, 'pageNo': number})}",
                                       headers=DATA_HEADERS),
                    "response": envelope(listed)})
        out.append({"request": request("POST", f"{API}{STAFF_BASIC}", headers=DATA_HEADERS,
                                       body=json.dumps(ids, separators=(",", ":"))),
                    "response": envelope(chunk)})
    return out


def retried() -> list[dict[str, Any]]:
    """The second page of ids answered 429 (Retry-After: 1), then 502, before it is served."""
    pages = staff_pages(STAFF)
    second = pages[2]["request"]
    throttled = response(429, {"code": 429, "message": "请求过于频繁", "errorResult": True}, headers={"Retry-After": "1"})
    bad_gateway = response(502, {"code": 502, "message": "Bad Gateway", "errorResult": True})
    return [token(), *pages[:2], {"request": second, "response": throttled},
            {"request": second, "response": bad_gateway}, *pages[2:]]


def errors() -> list[dict[str, Any]]:
    """A refusal in the envelope (a company the app may not read), and an expired token answered as documented."""
    uri = f"{API}{ORG_TREE}?{urlencode({'departmentStatus': 'ALL', 'companyId': 'another-company'})}"
    body = json.dumps([{"departmentId": ROOT, "includeAll": True}], separators=(",", ":"))
    refused = {"request": request("POST", uri, headers=DATA_HEADERS, body=body),
               "response": response(200, {"code": 403, "message": "无权访问的公司id", "data": None, "errorResult": True})}
    return [token(), refused]


def cassettes() -> dict[str, list[dict[str, Any]]]:
    return {
        "departments": [token(), tree()],
        "staff": [token(), *staff_pages(STAFF)],
        "retried": retried(),
        "malformed": [token(), *staff_pages([STAFF[0], MALFORMED])],
        "errors": errors(),
    }


def main() -> None:
    write_cassettes(HERE, cassettes())
    write_json(MAPPING_FIXTURES / "employee.before.json", STAFF)
    write_json(MAPPING_FIXTURES / "department.before.json", DEPARTMENTS)


if __name__ == "__main__":
    main()
