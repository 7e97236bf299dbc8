"""Write the Kingdee 云星空 cassettes in this folder (run by hand; the YAML files are committed).

Why generated: every call goes to one of three service URLs and differs only in its JSON body, the
rows are arrays in FieldKeys order, and the ids must agree across files (employees, their 任岗, the
departments and posts they name, the employee a write creates). Writing that by hand invites drift.

The protocol follows the WebAPI specification V6.0 (https://vip.kingdee.com/article/490771221039228672)
and the SDKs (docs/connectors/kingdee.md): ``POST {server}/<service>.common.kdsvc``; ValidateUser with
``{acctID, username, password, lcid}`` answering ``LoginResultType`` 1 and the ``kdservice-sessionid``
cookie (also ``KDSVCSessionId`` in the body); ExecuteBillQuery with ``{"data": {FormId, FieldKeys,
FilterString, OrderString, TopRowCount, StartRow, Limit}}`` answering rows, or its failure as
``[[{"Result": {"ResponseStatus": ...}}]]``; Save with ``{"formid", "data": {..., "Model"}}`` answering
``Result.ResponseStatus {IsSuccess, Errors, SuccessEntitys}``; BatchSave with ``Model`` an array, answering
for each record by its place (``DIndex``) in ``SuccessEntitys`` or ``Errors``; View with ``{"formid", "data":
{CreateOrgId, Number, Id, IsSortBySeq}}`` answering the record's model in ``Result.Result`` (property
names, texts as ``[{"Key": lcid, "Value"}]``, base data as objects with their ``Number``). A 429 and a 503 come from the tenant's
gateway (Kingdee documents no throttling). People are fictional (example.com, +1 NXX 555-01XX);
credentials, sessions and tokens are placeholders.

Usage::

    .venv/bin/python tests/cassettes/erp/kingdee/_build.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hub.testing.cassette_writer import request, response, write_cassettes

HERE = Path(__file__).resolve().parent
SERVER = "https://erp.example.com/k3cloud"
STUB = "Kingdee.BOS.WebApi.ServicesStub"
LOGIN = f"{SERVER}/{STUB}.AuthService.ValidateUser.common.kdsvc"
QUERY = f"{SERVER}/{STUB}.DynamicFormService.ExecuteBillQuery.common.kdsvc"
SAVE = f"{SERVER}/{STUB}.DynamicFormService.Save.common.kdsvc"
BATCH_SAVE = f"{SERVER}/{STUB}.DynamicFormService.BatchSave.common.kdsvc"
VIEW = f"{SERVER}/{STUB}.DynamicFormService.View.common.kdsvc"
ACCT_ID = "65f0c0ffee0001"
USERNAME = "hub-integration"
LIMIT = 2
REDACTED = "<REDACTED>"
#: The hub id of the offer the write cassettes create an employee from (the tests' delivery).
OFFER_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
NUMBER = f"hub-{OFFER_ID}"
NEW_FID = 100201

EMPLOYEE_KEYS = ["FID", "FStaffNumber", "FName", "FMobile", "FEmail", "FJoinDate", "FForbidStatus", "FDocumentStatus",
                 "FModifyDate", "FIsFirstPost", "FPostDept.FNumber", "FPost.FNumber", "FPost.FName", "FStaffStartDate"]
DEPARTMENT_KEYS = ["FDEPTID", "FNumber", "FName", "FParentID", "FForbidStatus", "FModifyDate"]
POST_KEYS = ["FPOSTID", "FNumber", "FName", "FDept.FNumber", "FForbidStatus", "FModifyDate"]
LOOKUP_KEYS = ["FID", "FStaffNumber", "FName", "FMobile", "FEmail", "FJoinDate"]


def _employee(fid: int, n: int, day: int, *, post: tuple[str, str, str] | None = ("BM0101", "GW0201", "软件工程师"),
              first: bool = True, status: str = "A", name: str | None = None) -> list[Any]:
    dept, post_number, post_name = post or (None, None, None)
    return [fid, f"EMP{n:04d}", name if name is not None else f"测试员工{n}", f"+1415555010{n}",
            f"test.employee{n}@example.com", f"2024-0{1 + n % 5}-01T00:00:00", status, "C",
            f"2024-06-{day:02d}T09:30:00", first if post else None, dept, post_number, post_name,
            f"2024-0{1 + n % 5}-01T00:00:00" if post else None]


EMPLOYEES = [
    _employee(100001, 1, 1),
    _employee(100002, 2, 2, post=("BM0102", "GW0202", "会计")),
    _employee(100003, 3, 3, post=("BM0102", "GW0203", "出纳"), first=False),     # two 任岗: this one is not the main
    _employee(100003, 3, 3, post=("BM0101", "GW0201", "软件工程师")),
    _employee(100004, 4, 4, status="B"),                                           # 禁用: has left
    _employee(100005, 5, 5, post=None),                                            # no 任岗 yet
]
DEPARTMENTS = [
    [101, "BM01", "测试公司总部", 0, "A", "2024-05-01T08:00:00"],
    [102, "BM0101", "研发部", 101, "A", "2024-05-02T08:00:00"],
    [103, "BM0102", "财务部", 101, "A", "2024-05-03T08:00:00"],
    [104, "BM0103", "行政部", 101, "B", "2024-05-04T08:00:00"],
]
POSTS = [
    [201, "GW0201", "软件工程师", "BM0101", "A", "2024-05-10T08:00:00"],
    [202, "GW0202", "会计", "BM0102", "A", "2024-05-11T08:00:00"],
]


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _post(uri: str, body: Any, *, session: bool = True) -> dict[str, Any]:
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if session:
        headers["Cookie"] = REDACTED
    return request("POST", uri, headers=headers, body=_json(body))


def login() -> dict[str, Any]:
    """ValidateUser, answered with a session (the cookie and the body's KDSVCSessionId, both scrubbed)."""
    body = {"acctID": ACCT_ID, "username": USERNAME, "password": REDACTED, "lcid": 2052}
    answer = {"Message": None, "MessageCode": "CheckPasswordPolicy", "LoginResultType": 1,
              "Context": {"UserLocale": "zh-CN", "LogId": "", "UserId": 100008, "UserName": USERNAME,
                          "DBid": ACCT_ID, "DataCenterName": "测试账套", "SessionId": REDACTED, "UserToken": REDACTED,
                          "CurrentOrganizationInfo": {"ID": 1, "Name": "测试公司", "AcctOrgType": "1"}},
              "KDSVCSessionId": REDACTED, "IsSuccessByAPI": True}
    return {"request": _post(LOGIN, body, session=False),
            "response": response(200, answer, headers={"Set-Cookie": [REDACTED, REDACTED]})}


def _query(form: str, keys: list[str], start: int, *, where: str = "", limit: int = LIMIT,
           order: str | None = None) -> dict[str, Any]:
    return {"data": {"FormId": form, "FieldKeys": ",".join(keys), "FilterString": where,
                     "OrderString": order if order is not None else f"FModifyDate ASC,{keys[0]} ASC",
                     "TopRowCount": 0, "StartRow": start, "Limit": limit}}


def pages(form: str, keys: list[str], rows: list[list[Any]], *, where: str = "") -> list[dict[str, Any]]:
    """ExecuteBillQuery pages of LIMIT rows, then the empty answer that ends the list."""
    out, start = [], 0
    while True:
        chunk = rows[start:start + LIMIT]
        out.append({"request": _post(QUERY, _query(form, keys, start, where=where)), "response": response(200, chunk)})
        if not chunk:
            return out
        start += len(chunk)


def failed(message: str, *, code: int, field: str | None = None, http: int = 200) -> dict[str, Any]:
    """A ResponseStatus with IsSuccess false, as ExecuteBillQuery sends it in place of its rows."""
    return response(http, [[{"Result": {"ResponseStatus": {
        "ErrorCode": 500, "IsSuccess": False, "Errors": [{"FieldName": field, "Message": message, "DIndex": 0}],
        "SuccessEntitys": [], "SuccessMessages": [], "MsgCode": code}}}]])


SESSION_LOST = "会话信息已丢失，请重新登录"


def _save(model: dict[str, Any], *, updating: list[str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"NeedUpDateFields": updating or [], "NeedReturnFields": ["FID", "FStaffNumber"],
                            "IsDeleteEntry": "false", "Model": model}
    if not updating:
        data["IsAutoSubmitAndAudit"] = "true"
    return _post(SAVE, {"formid": "BD_Empinfo", "data": data})


def _saved(fid: int, number: str) -> dict[str, Any]:
    return response(200, {"Result": {"ResponseStatus": {
        "IsSuccess": True, "Errors": [], "SuccessEntitys": [{"Id": fid, "Number": number, "DIndex": 0}],
        "SuccessMessages": [], "MsgCode": 0}, "Id": fid, "Number": number,
        "NeedReturnData": [{"FID": fid, "FStaffNumber": number}]}})


ORG = {"FNumber": "100"}
NEW_EMPLOYEE = {"FStaffNumber": NUMBER, "FName": "测试新员工", "FMobile": "+14155550177",
                "FEmail": "test.newhire@example.com", "FJoinDate": "2024-08-01", "FCreateOrgId": ORG, "FUseOrgId": ORG,
                "FPostEntity": [{"FWorkOrgId": ORG, "FPostDept": {"FNumber": "BM0101"}, "FPost": {"FNumber": "GW0201"},
                                 "FIsFirstPost": True, "FStaffStartDate": "2024-08-01"}]}


def _lookup(where: str) -> dict[str, Any]:
    return _post(QUERY, _query("BD_Empinfo", LOOKUP_KEYS, 0, where=where, order=""))


BY_NUMBER = f"FStaffNumber = '{NUMBER}'"
BY_FID = f"FID = {NEW_FID}"
CREATED_ROW = [NEW_FID, NUMBER, "测试新员工", "+14155550177", "test.newhire@example.com", "2024-08-01T00:00:00"]

#: The accepted Greenhouse offer of tests/e2e/test_offer_to_payroll.py (offer 8002: Test Candidate Three,
#: Account Executive in Greenhouse's department 4003, which the customer's mapping tables name BM0301 and
#: GW0301). Its number holds the hub id the test's store makes up, recorded as ``<hub-id>``.
HIRE_NUMBER = "hub-<hub-id>"
HIRE_FID = 100301
HIRE = {"FStaffNumber": HIRE_NUMBER, "FName": "Test Candidate Three", "FMobile": "+14155550103",
        "FEmail": "test.candidate3@example.com", "FJoinDate": "2024-07-01", "FCreateOrgId": ORG, "FUseOrgId": ORG,
        "FPostEntity": [{"FWorkOrgId": ORG, "FPostDept": {"FNumber": "BM0301"}, "FPost": {"FNumber": "GW0301"},
                         "FIsFirstPost": True, "FStaffStartDate": "2024-07-01"}]}
HIRE_ROW = [HIRE_FID, HIRE_NUMBER, "Test Candidate Three", "+14155550103", "test.candidate3@example.com",
            "2024-07-01T00:00:00"]


def _view(fid: int) -> dict[str, Any]:
    return _post(VIEW, {"formid": "BD_Empinfo", "data": {"CreateOrgId": 0, "Number": "", "Id": str(fid),
                                                         "IsSortBySeq": "false"}})


def _text(value: str) -> list[dict[str, Any]]:
    """A text of a View answer, in each language the data centre has (only Chinese filled in)."""
    return [{"Key": 2052, "Value": value}, {"Key": 1033, "Value": " "}]


def _base(rows: list[list[Any]], number: str) -> dict[str, Any]:
    """A base-data reference as View answers it: the 部门 or 岗位 of DEPARTMENTS or POSTS with ``number``."""
    fid, _, name, *_ = next(row for row in rows if row[1] == number)
    return {"Id": fid, "Number": number, "Name": _text(name), "MultiLanguageText": [{"PkId": fid, "LocaleId": 2052, "Name": name}]}


def _viewed(fid: int, number: str, name: str, joined: str, dept: str = "BM0101", post: str = "GW0201") -> dict[str, Any]:
    """View's answer for an employee the write side created: its model under ``Result.Result``."""
    return response(200, {"Result": {"ResponseStatus": None, "Result": {
        "Id": fid, "msterID": fid, "DocumentStatus": "C", "ForbidStatus": "A", "StaffNumber": number,
        "Name": _text(name), "JoinDate": f"{joined}T00:00:00", "CreateOrgId_Id": 1,
        "CreateOrgId": {"Id": 1, "Number": "100", "Name": _text("测试公司")},
        "PostEntity": [{"Id": fid * 10 + 1, "Seq": 1, "WorkOrgId": {"Id": 1, "Number": "100", "Name": _text("测试公司")},
                        "PostDept": _base(DEPARTMENTS, dept), "Post": _base(POSTS, post), "IsFirstPost": True,
                        "StaffStartDate": f"{joined}T00:00:00"}]}}})


#: View's answer for an id it does not hold: a failed ResponseStatus whose message is in the
#: session's language, without a code of its own.
VIEW_GONE = response(200, {"Result": {"ResponseStatus": {
    "ErrorCode": 500, "IsSuccess": False, "Errors": [{"FieldName": None, "Message": "要查看的数据不存在，可能已被删除！",
                                                       "DIndex": 0}],
    "SuccessEntitys": [], "SuccessMessages": [], "MsgCode": 0}}})


def _numbered(numbers: list[str]) -> dict[str, Any]:
    """The lookup before a BatchSave: the employees with any of the chunk's numbers, one query."""
    where = "FStaffNumber IN (" + ",".join(f"'{n}'" for n in numbers) + ")"
    return _post(QUERY, {"data": {"FormId": "BD_Empinfo", "FieldKeys": "FID,FStaffNumber", "FilterString": where,
                                  "OrderString": "", "TopRowCount": 0, "StartRow": 0, "Limit": len(numbers)}})


def _batch_save(models: list[dict[str, Any]]) -> dict[str, Any]:
    return _post(BATCH_SAVE, {"formid": "BD_Empinfo", "data": {
        "NeedUpDateFields": [], "NeedReturnFields": ["FID", "FStaffNumber"], "IsDeleteEntry": "false",
        "NumberSearch": "true", "IsAutoSubmitAndAudit": "true", "BatchCount": 1, "Model": models}})


#: A migration's three hires, BatchSaved at once (tests/plugins/erp/test_kingdee_bulk.py); their numbers
#: hold the hub ids the test's store makes up, recorded as ``<hub-id-n>``. The second names a 岗位 the
#: organisation does not have (GW0299): Kingdee refuses it alone and saves the others.
def _hire(n: int, post: str = "GW0201") -> dict[str, Any]:
    return {"FStaffNumber": f"hub-<hub-id-{n}>", "FName": f"测试批量员工{n}", "FMobile": f"+1415555018{n}",
            "FEmail": f"test.bulk{n}@example.com", "FJoinDate": f"2024-09-0{n}", "FCreateOrgId": ORG, "FUseOrgId": ORG,
            "FPostEntity": [{"FWorkOrgId": ORG, "FPostDept": {"FNumber": "BM0101"}, "FPost": {"FNumber": post},
                             "FIsFirstPost": True, "FStaffStartDate": f"2024-09-0{n}"}]}


BULK = [_hire(1), _hire(2, post="GW0299"), _hire(3)]
BULK_SAVED = response(200, {"Result": {"ResponseStatus": {
    "ErrorCode": 500, "IsSuccess": False,
    "Errors": [{"FieldName": "FPost", "Message": "字段“岗位”的值“GW0299”不存在", "DIndex": 1}],
    "SuccessEntitys": [{"Id": 100401, "Number": "hub-<hub-id-1>", "DIndex": 0},
                       {"Id": 100403, "Number": "hub-<hub-id-3>", "DIndex": 2}],
    "SuccessMessages": [], "MsgCode": 11},
    "NeedReturnData": [{"FID": 100401, "FStaffNumber": "hub-<hub-id-1>"}, {"FID": 100403, "FStaffNumber": "hub-<hub-id-3>"}]}})
#: The second offer of the body-matched bulk tests (the first is OFFER_ID).
OFFER_ID_2 = "1f2e3d4c-5b6a-7988-97a6-b5c4d3e2f101"
NUMBER_2 = f"hub-{OFFER_ID_2}"


def cassettes() -> dict[str, list[dict[str, Any]]]:
    latest = EMPLOYEES[-1][8]
    since = f"FModifyDate >= '{latest}'"
    newer = [_employee(100005, 5, 5, post=("BM0101", "GW0201", "软件工程师")),   # got its 任岗 since
             _employee(100006, 6, 8)]
    newer[0][8] = latest
    return {
        "employees": [login(), *pages("BD_Empinfo", EMPLOYEE_KEYS, EMPLOYEES)],
        "departments": [login(), *pages("BD_Department", DEPARTMENT_KEYS, DEPARTMENTS)],
        "posts": [login(), *pages("HR_ORG_HRPOST", POST_KEYS, POSTS)],
        "resume": [login(), *pages("BD_Empinfo", EMPLOYEE_KEYS, newer, where=since)],
        "retried": [
            login(),
            {"request": _post(QUERY, _query("BD_Department", DEPARTMENT_KEYS, 0)),
             "response": response(429, "Too Many Requests", headers={"Retry-After": "1"},
                                  content={"Content-Type": ["text/plain"]})},
            {"request": _post(QUERY, _query("BD_Department", DEPARTMENT_KEYS, 0)),
             "response": response(503, "<html><body>Service Unavailable</body></html>",
                                  content={"Content-Type": ["text/html"]})},
            *pages("BD_Department", DEPARTMENT_KEYS, DEPARTMENTS),
        ],
        "malformed": [login(), *pages("BD_Empinfo", EMPLOYEE_KEYS, [
            _employee(100001, 1, 1), _employee(100007, 7, 9, name=""),                # no name: refused
            _employee(100008, 8, 9, status="X"),                                         # no such status: refused
        ])],
        "session_lost": [
            login(),
            {"request": _post(QUERY, _query("HR_ORG_HRPOST", POST_KEYS, 0)), "response": failed(SESSION_LOST, code=1)},
            login(),
            *pages("HR_ORG_HRPOST", POST_KEYS, POSTS),
        ],
        "session_lost_again": [
            login(),
            {"request": _post(QUERY, _query("HR_ORG_HRPOST", POST_KEYS, 0)), "response": failed(SESSION_LOST, code=1)},
            login(),
            {"request": _post(QUERY, _query("HR_ORG_HRPOST", POST_KEYS, 0)), "response": failed(SESSION_LOST, code=1)},
        ],
        "query_refused": [
            login(),
            {"request": _post(QUERY, _query("HR_ORG_HRPOST", POST_KEYS, 0)),
             "response": failed("字段FDept.FNumber不存在", code=0, field="FDept.FNumber")},
        ],
        "login_refused": [
            {"request": _post(LOGIN, {"acctID": ACCT_ID, "username": USERNAME, "password": REDACTED, "lcid": 2052},
                              session=False),
             "response": response(200, {"Message": "用户名或密码错误！", "MessageCode": "CheckPasswordPolicy",
                                        "LoginResultType": 0, "Context": None, "KDSVCSessionId": None,
                                        "IsSuccessByAPI": False})},
        ],
        "write_employee": [login(), {"request": _lookup(BY_NUMBER), "response": response(200, [])},
                           {"request": _save(NEW_EMPLOYEE), "response": _saved(NEW_FID, NUMBER)}],
        "write_employee_again": [login(), {"request": _lookup(BY_NUMBER), "response": response(200, [CREATED_ROW])}],
        # the acceptance test of issue 35: Greenhouse's hire, then its rerun (linked: looked up by its FID)
        "hire_from_greenhouse": [login(), {"request": _lookup(f"FStaffNumber = '{HIRE_NUMBER}'"),
                                           "response": response(200, [])},
                                 {"request": _save(HIRE), "response": _saved(HIRE_FID, HIRE_NUMBER)}],
        "hire_from_greenhouse_again": [login(), {"request": _lookup(f"FID = {HIRE_FID}"),
                                                 "response": response(200, [HIRE_ROW])}],
        "write_employee_update": [
            login(),
            {"request": _lookup(BY_FID), "response": response(200, [[*CREATED_ROW[:3], "+14155550188", *CREATED_ROW[4:]]])},
            {"request": _save({"FID": NEW_FID, "FMobile": "+14155550177"}, updating=["FMobile"]),
             "response": _saved(NEW_FID, NUMBER)},
        ],
        # View: the employee write_employee created read back; moved to another 任岗 since; gone
        "view_employee": [login(), {"request": _view(NEW_FID),
                                    "response": _viewed(NEW_FID, NUMBER, "测试新员工", "2024-08-01")}],
        "view_employee_moved": [login(), {"request": _view(NEW_FID), "response": _viewed(
            NEW_FID, NUMBER, "测试新员工", "2024-08-01", dept="BM0102", post="GW0202")}],
        "view_employee_gone": [login(), {"request": _view(NEW_FID), "response": VIEW_GONE}],
        # BatchSave: a migration's hires, one refused; their read-back; a repeated pass that finds both
        "batch_save": [login(), {"request": _numbered([h["FStaffNumber"] for h in BULK]), "response": response(200, [])},
                       login(), {"request": _batch_save(BULK), "response": BULK_SAVED}],
        "view_bulk": [login(),
                      {"request": _view(100401), "response": _viewed(100401, "hub-<hub-id-1>", "测试批量员工1", "2024-09-01")},
                      {"request": _view(100403), "response": _viewed(100403, "hub-<hub-id-3>", "测试批量员工3", "2024-09-03")}],
        "view_bulk_late": [login(),  # the third hire's join day moved in Kingdee since the migration
                           {"request": _view(100401), "response": _viewed(100401, "hub-<hub-id-1>", "测试批量员工1", "2024-09-01")},
                           {"request": _view(100403), "response": _viewed(100403, "hub-<hub-id-3>", "测试批量员工3", "2024-10-03")}],
        "batch_save_again": [login(), {"request": _numbered([NUMBER, NUMBER_2]),
                                       "response": response(200, [[NEW_FID, NUMBER], [100202, NUMBER_2]])}],
        "write_refused": [
            login(), {"request": _lookup(BY_NUMBER), "response": response(200, [])},
            {"request": _save(NEW_EMPLOYEE), "response": response(200, {"Result": {"ResponseStatus": {
                "ErrorCode": 500, "IsSuccess": False,
                "Errors": [{"FieldName": "FPost", "Message": "字段“岗位”是必填项", "DIndex": 0}],
                "SuccessEntitys": [], "SuccessMessages": [], "MsgCode": 11}}})},
        ],
    }


if __name__ == "__main__":
    write_cassettes(HERE, cassettes())
