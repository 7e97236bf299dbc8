"""Write the BambooHR cassettes in this folder (run by hand; the YAML files are committed).

Why generated: the cassettes share one small, made-up company (``examplecorp``) whose employees, their
change-feed entries and their table rows must agree across files, and every request must be what the
connector sends (the change feed's ``since``, each employee's ``fields``, both tables).

The protocol follows https://documentation.bamboohr.com/docs (docs/connectors/bamboohr.md): HTTP Basic
with the API key and ``x`` (recorded as ``<REDACTED>``), ``Accept: application/json``; the change feed
``GET /employees/changed?since=`` answered ``{"latest", "employees": {"<id>": {id, action, lastChanged}}}``
whole; ``GET /employees/{id}?fields=`` answered as an object of the fields asked for (ids as text);
``GET /employees/{id}/tables/<table>`` answered as an array of rows, compensation ``rate`` as
``"85000.00 USD"`` (the documented table sample); throttling as ``503`` with ``Retry-After``, and since
September 2026 ``429`` with ``Retry-After``; errors with ``X-BambooHR-Error-Message``; a created employee
as ``201`` with ``Location``. People are fictional (example.com, 555-01xx numbers).

Usage::

    .venv/bin/python tests/cassettes/hr_suites/bamboohr/_build.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from hub.testing.cassette_writer import request, response, write_cassettes
from plugins.hr_suites.bamboohr import EMPLOYEE_FIELDS

HERE = Path(__file__).resolve().parent
API = "https://api.bamboohr.com/api/gateway.php/examplecorp/v1"
FULL_PASS_SINCE = "2011-06-01T00:00:00Z"
FIELDS = ",".join(EMPLOYEE_FIELDS)


def _employee(employee_id: int, first: str, last: str, status: str, history: str, changed: str, *,
              hired: str, supervisor: int | None = 4101, number: int | None = None) -> dict[str, Any]:
    """One employee as ``GET /employees/{id}?fields=`` answers: the fields asked for, ids as text."""
    n = employee_id - 4100
    return {"id": str(employee_id), "firstName": first, "lastName": last, "preferredName": None,
            "workEmail": f"{first.lower()}.{last.lower()}@example.com", "homeEmail": None,
            "mobilePhone": f"801-555-01{n:02d}", "workPhone": None, "employeeNumber": str(number or 100 + n),
            "hireDate": hired, "status": status, "employmentHistoryStatus": history, "department": "Engineering",
            "jobTitle": "Engineer", "supervisorEId": None if supervisor is None else str(supervisor),
            "lastChanged": changed}


def _job(row_id: int, employee_id: int, date: str, title: str, department: str) -> dict[str, Any]:
    return {"id": str(row_id), "employeeId": str(employee_id), "date": date, "location": "Lindon, Utah",
            "department": department, "division": "Product", "jobTitle": title, "reportsTo": "Ada Example"}


def _pay(row_id: int, employee_id: int, start: str, rate: str, kind: str, per: str) -> dict[str, Any]:
    return {"id": str(row_id), "employeeId": str(employee_id), "startDate": start, "endDate": None, "rate": rate,
            "type": kind, "exempt": "Exempt" if kind == "Salary" else "Non-exempt", "reason": "New Hire",
            "comment": None, "paidPer": per, "paySchedule": "Twice a month"}


EMPLOYEES = {
    4101: (_employee(4101, "Ada", "Example", "Active", "Full-Time", "2024-06-03T15:04:05+00:00", hired="2021-02-01",
                     supervisor=None),
           [_job(1, 4101, "2021-02-01", "Engineer", "Engineering"), _job(2, 4101, "2023-07-01", "Engineering Lead",
                                                                        "Engineering")],
           [_pay(11, 4101, "2021-02-01", "98000.00 USD", "Salary", "Year"),
            _pay(12, 4101, "2023-07-01", "126500.00 USD", "Salary", "Year")]),
    4102: (_employee(4102, "Ben", "Sample", "Active", "Part-Time", "2024-06-04T09:30:00+00:00", hired="2022-09-12"),
           [_job(3, 4102, "2022-09-12", "Support Specialist", "Customer Success")],
           [_pay(13, 4102, "2022-09-12", "32.50 USD", "Hourly", "Hour")]),
    4103: (_employee(4103, "Cara", "Demo", "Inactive", "Terminated", "2024-06-05T10:00:00+00:00", hired="2020-01-06"),
           [_job(4, 4103, "2020-01-06", "Designer", "Design")],
           [_pay(14, 4103, "2020-01-06", "7100.00 EUR", "Salary", "Month")]),
    4105: (_employee(4105, "Dev", "Placeholder", "Active", "Leave of Absence", "2024-06-07T12:00:00+00:00",
                     hired="2024-06-03"),
           [_job(5, 4105, "2024-06-03", "Data Analyst", "Finance")],
           [_pay(15, 4105, "2024-06-03", "6200.00 EUR", "Salary", "Month")]),
    # paid per quarter: no canonical pay period, so the mapping refuses it (the malformed episode)
    4106: (_employee(4106, "Eli", "Fictional", "Active", "Contractor", "2024-06-08T08:00:00+00:00", hired="2024-05-20"),
           [_job(6, 4106, "2024-05-20", "Consultant", "Finance")],
           [_pay(16, 4106, "2024-05-20", "30000.00 USD", "Salary", "Quarter")]),
}
FULL_PASS = (4101, 4102, 4103)
#: The cursor a full pass leaves (the latest lastChanged it lists): where the resumed run starts.
RESUMED = max(EMPLOYEES[i][0]["lastChanged"] for i in FULL_PASS)


# ---------------------------------------------------------------- HTTP pieces


def _uri(path: str, params: dict[str, str] | None = None) -> str:
    """The URL exactly as the connector's client sends it (httpx's query encoding)."""
    return str(httpx.URL(f"{API}{path}", params=params or None))


def _request(method: str, path: str, params: dict[str, str] | None = None, body: Any = None) -> dict[str, Any]:
    headers = {"Accept": "application/json", "Authorization": "Basic <REDACTED>"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    text = None if body is None else json.dumps(body, separators=(",", ":"))
    return request(method, _uri(path, params), headers=headers, body=text)


def changed(since: str, entries: list[tuple[int, str]]) -> dict[str, Any]:
    """``GET /employees/changed?since=``: the listed employees keyed by id, ``latest`` their latest change."""
    listed = {str(i): {"id": str(i), "action": action,
                       "lastChanged": EMPLOYEES[i][0]["lastChanged"] if i in EMPLOYEES else "2024-06-06T11:00:00+00:00"}
              for i, action in entries}  # fmt: skip
    latest = max((e["lastChanged"] for e in listed.values()), default=since)
    return {"request": _request("GET", "/employees/changed", {"since": since}),
            "response": response(200, {"latest": latest, "employees": listed})}


def fetched(employee_id: int) -> list[dict[str, Any]]:
    """One listed employee read: its fields, then its jobInfo and compensation rows."""
    employee, jobs, pay = EMPLOYEES[employee_id]
    return [
        {"request": _request("GET", f"/employees/{employee_id}", {"fields": FIELDS}), "response": response(200, employee)},
        {"request": _request("GET", f"/employees/{employee_id}/tables/jobInfo"), "response": response(200, jobs)},
        {"request": _request("GET", f"/employees/{employee_id}/tables/compensation"), "response": response(200, pay)},
    ]


def feed(since: str, entries: list[tuple[int, str]]) -> list[dict[str, Any]]:
    return [changed(since, entries), *(e for i, action in entries if action != "Deleted" for e in fetched(i))]


def _refusal(code: int, message: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return response(code, None, headers={"X-BambooHR-Error-Message": message, **(headers or {})}, content={})


def retried() -> list[dict[str, Any]]:
    """Throttled twice (the documented 503 with Retry-After, then the 429 that replaces it), then the feed."""
    first = _request("GET", "/employees/changed", {"since": FULL_PASS_SINCE})
    return [{"request": first, "response": _refusal(503, "Service Unavailable", {"Retry-After": "0"})},
            {"request": first, "response": _refusal(429, "Too Many Requests", {"Retry-After": "0"})},
            *feed(FULL_PASS_SINCE, [(4101, "Inserted")])]


def errors() -> list[dict[str, Any]]:
    """A key BambooHR does not know, and a request it refuses."""
    return [{"request": _request("GET", "/employees/changed", {"since": FULL_PASS_SINCE}),
             "response": _refusal(401, "Invalid API key")},
            {"request": _request("GET", "/employees/changed", {"since": "2024-13-01T00:00:00Z"}),
             "response": _refusal(400, "Invalid since parameter")}]


# ---------------------------------------------------------------- the write side

NEW_HIRE = {"firstName": "Fay", "lastName": "Newhire", "workEmail": "fay.newhire@example.com",
            "hireDate": "2024-07-01", "jobTitle": "Backend Engineer"}
NEW_ID = 4120
NEW_PAY = {"startDate": "2024-07-01", "rate": {"value": "112000.00", "currency": "USD"}, "type": "Salary",
           "paidPer": "Year"}


def directory(*extra: dict[str, Any]) -> dict[str, Any]:
    """``GET /employees/directory``: the directory's fields and employees (a few of its columns)."""
    people = [{"id": str(i), "displayName": f"{e[0]['firstName']} {e[0]['lastName']}", "firstName": e[0]["firstName"],
               "lastName": e[0]["lastName"], "workEmail": e[0]["workEmail"], "jobTitle": e[0]["jobTitle"],
               "department": e[0]["department"]} for i, e in EMPLOYEES.items() if i in FULL_PASS]  # fmt: skip
    fields = [{"id": key, "type": "text", "name": key} for key in ("displayName", "firstName", "lastName", "workEmail")]
    return {"request": _request("GET", "/employees/directory"),
            "response": response(200, {"fields": fields, "employees": [*people, *extra]})}


def write_employee() -> list[dict[str, Any]]:
    created = response(201, None, headers={"Location": f"{API}/employees/{NEW_ID}"}, content={})
    return [directory(),
            {"request": _request("POST", "/employees", body=NEW_HIRE), "response": created},
            {"request": _request("GET", f"/employees/{NEW_ID}/tables/compensation"), "response": response(200, [])},
            {"request": _request("POST", f"/employees/{NEW_ID}/tables/compensation", body=NEW_PAY),
             "response": response(201, None, content={})}]


def write_employee_again() -> list[dict[str, Any]]:
    """The same delivery after a crash: the directory lists the employee, the row is there; nothing is written."""
    listed = {"id": str(NEW_ID), "displayName": "Fay Newhire", "firstName": "Fay", "lastName": "Newhire",
              "workEmail": "Fay.Newhire@example.com", "jobTitle": "Backend Engineer", "department": None}
    row = {"id": "21", "employeeId": str(NEW_ID), "startDate": "2024-07-01", "endDate": None, "rate": "112000.00 USD",
           "type": "Salary", "exempt": None, "reason": None, "comment": None, "paidPer": "Year", "paySchedule": None}
    return [directory(listed),
            {"request": _request("GET", f"/employees/{NEW_ID}/tables/compensation"), "response": response(200, [row])}]


def cassettes() -> dict[str, list[dict[str, Any]]]:
    """File stem → interactions, in the order a client sends them."""
    return {
        "employees": feed(FULL_PASS_SINCE, [(i, "Inserted") for i in FULL_PASS]),
        # the standard suite (hub.testing): throttled then served, resumed from the full pass's cursor,
        # one employee the mapping refuses beside one it takes
        "retried": retried(),
        "resume": feed(RESUMED, [(4103, "Updated"), (4105, "Inserted")]),
        "malformed": feed(FULL_PASS_SINCE, [(4101, "Inserted"), (4106, "Inserted")]),
        # what the suite's webhook sample names (employee 4102) is fetched from here
        "webhook": fetched(4102),
        # the connector's own tests: a deleted employee in the feed; refusals
        "deleted": feed(RESUMED, [(4103, "Deleted"), (4105, "Inserted")]),
        "errors": errors(),
        # the write side (plugins/hr_suites/bamboohr_write.py): read first, create, add the pay row
        "write_employee": write_employee(),
        "write_employee_again": write_employee_again(),
    }


if __name__ == "__main__":
    write_cassettes(HERE, cassettes())
