"""Write the Odoo cassettes in this folder (run by hand; the YAML files are committed).

Why generated: the cassettes share one small, made-up company (departments → job positions →
applicants; employees) whose ids must agree across files, and every page's offset must follow the
records of the one before. Writing that by hand invites drift.

The protocol follows https://www.odoo.com/documentation/19.0/developer/reference/external_api.html
(JSON-2: ``POST /json/2/<model>/<method>``, ``Authorization: bearer <key>``, ``X-Odoo-Database``,
named arguments in the body, the bare return value as answer, errors as 4xx/5xx with
``{name, message, arguments, context, debug}``) and the 18.0 page of the same name (JSON-RPC:
``POST /jsonrpc`` ``execute_kw`` with the uid from ``common.login``, errors with HTTP 200 and
``{"error": {"code": 200, "message": "Odoo Server Error", "data": {"name", "message", ...}}}``).
Records are ``search_read`` answers: many2one ``[id, "name"]`` or ``false``, empty chars ``false``,
UTC datetimes ``"YYYY-MM-DD HH:MM:SS"``. People are fictional (example.com, 555-01xx numbers); the
API key is a placeholder (``<REDACTED>`` in the Authorization header and in ``execute_kw``'s
password slot, which the scrubbing VCR cannot see: these cassettes are generated, never recorded).

Usage::

    .venv/bin/python tests/cassettes/erp/odoo/_build.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hub.testing.cassette_writer import request, response, write_cassettes

HERE = Path(__file__).resolve().parent
BASE = "https://mycompany.example.com"
DATABASE = "mycompany"
UID = 2
LIMIT = 2
ORDER = "write_date asc, id asc"
KEY = "<REDACTED>"
JSON2_HEADERS = {"Authorization": KEY, "X-Odoo-Database": DATABASE, "Content-Type": "application/json"}
RPC_HEADERS = {"X-Odoo-Database": DATABASE, "Content-Type": "application/json"}
FIELDS = {
    "hr.employee": ["name", "work_email", "work_phone", "mobile_phone", "job_title", "job_id", "department_id",
                    "parent_id", "active", "create_date", "write_date"],
    "hr.department": ["name", "parent_id", "active", "write_date"],
    "hr.job": ["name", "department_id", "active", "write_date"],
    "hr.applicant": ["candidate_id", "job_id", "stage_id", "application_status", "refuse_reason_id", "active",
                     "create_date", "write_date"],
}
#: The offer the write cassettes create an employee from, and the key it carries (employee_key).
OFFER_ID = "hub-offer-1"
EMPLOYEE_KEY = "HUBD2119A338F952CC"
CREATED_EMPLOYEE = 42
#: The accepted Greenhouse offer of tests/e2e/test_offer_to_payroll.py (offer 8002: Test Candidate Three,
#: Account Executive in Sales, 105000 USD a year): the key of ``hub-offer-8002``, which the test reads in
#: place of the key of the hub id its store gives the offer, and the employee Odoo makes of it.
HIRE_KEY = "HUBB6793CB3575FC9D"
HIRED_EMPLOYEE = 57


def department_domain(name: str) -> list[Any]:
    """How the write finds the job's department: by its full name ("Parent / Child", what Odoo shows) or its own."""
    return ["|", ["complete_name", "=", name], ["name", "=", name]]


DEPARTMENT_DOMAIN = department_domain("Research & Development")


def _at(day: int, hour: int = 9) -> str:
    return f"2024-06-{day:02d} {hour:02d}:00:00"


DEPARTMENTS = [
    {"id": 1, "name": "Administration", "parent_id": False, "active": True, "write_date": _at(1)},
    {"id": 2, "name": "Research & Development", "parent_id": [1, "Administration"], "active": True,
     "write_date": _at(2)},
    {"id": 3, "name": "Sales", "parent_id": [1, "Administration"], "active": True, "write_date": _at(3)},
    {"id": 4, "name": "Field Support", "parent_id": False, "active": False, "write_date": _at(4)},
]
JOBS = [
    {"id": 11, "name": "Software Engineer", "department_id": [2, "Administration / Research & Development"],
     "active": True, "write_date": _at(2, 10)},
    {"id": 12, "name": "Account Executive", "department_id": [3, "Administration / Sales"], "active": True,
     "write_date": _at(3, 10)},
    {"id": 13, "name": "Support Specialist", "department_id": False, "active": False, "write_date": _at(4, 10)},
]


def _employee(emp_id: int, n: int, job: dict[str, Any] | None, day: int, *, manager: int | None = None,
              active: bool = True, title: str | bool | None = None, email: bool = True) -> dict[str, Any]:
    department = job["department_id"] if job else False
    return {"id": emp_id, "name": f"Test Employee {n}",
            "work_email": f"test.employee{n}@example.com" if email else False,
            "work_phone": f"+1 415-555-01{n:02d}", "mobile_phone": False,
            "job_title": (job["name"] if job else False) if title is None else title,
            "job_id": [job["id"], job["name"]] if job else False, "department_id": department,
            "parent_id": [manager, f"Test Employee {manager - 20}"] if manager else False,
            "active": active, "create_date": _at(1, 8), "write_date": _at(day, 11)}


EMPLOYEES = [
    _employee(21, 1, None, 5, title="Managing Director"),
    _employee(22, 2, JOBS[0], 6, manager=21),
    _employee(23, 3, JOBS[1], 7, manager=21, email=False),
    _employee(24, 4, JOBS[0], 8, manager=22, title=False),
    _employee(25, 5, JOBS[2], 9, manager=21, active=False),
]
#: The resumed pass: the last employee of the full pass again (same second: >=), and one changed since.
RESUMED = [EMPLOYEES[-1], _employee(26, 6, JOBS[1], 10, manager=21)]


def _applicant(app_id: int, candidate: int, job: dict[str, Any], stage: tuple[int, str], status: str, day: int, *,
               refuse: tuple[int, str] | None = None, active: bool = True) -> dict[str, Any]:
    return {"id": app_id, "candidate_id": [candidate, f"Test Candidate {candidate - 30}"],
            "job_id": [job["id"], job["name"]], "stage_id": list(stage), "application_status": status,
            "refuse_reason_id": list(refuse) if refuse else False, "active": active,
            "create_date": _at(day - 3, 8), "write_date": _at(day, 14)}


APPLICANTS = [
    _applicant(41, 31, JOBS[0], (1, "New"), "ongoing", 11),
    _applicant(42, 32, JOBS[0], (3, "First Interview"), "ongoing", 12),
    _applicant(43, 33, JOBS[1], (5, "Contract Proposal"), "ongoing", 13),
    _applicant(44, 34, JOBS[1], (2, "Initial Qualification"), "refused", 14, refuse=(1, "Doesn't fit the job"),
               active=False),
    _applicant(45, 35, JOBS[0], (6, "Contract Signed"), "hired", 15),
]
#: A department without a name (a broken import): the mapping refuses it, the others are stored.
NAMELESS_DEPARTMENT = {"id": 5, "name": False, "parent_id": [1, "Administration"], "active": True,
                       "write_date": _at(5)}


# ---------------------------------------------------------------- the two protocols


def json2(model: str, method: str, body: dict[str, Any], answer: Any, *, status: int = 200,
          headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """One JSON-2 call and its answer."""
    return {"request": request("POST", f"{BASE}/json/2/{model}/{method}", headers=JSON2_HEADERS, body=_json(body)),
            "response": response(status, answer, headers=headers)}


def rpc(model: str, method: str, args: list[Any], kwargs: dict[str, Any], answer: Any, *,
        error: bool = False) -> dict[str, Any]:
    """One JSON-RPC ``execute_kw`` call and its answer (``result``, or the ``error`` object)."""
    body = {"jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"service": "object", "method": "execute_kw",
                       "args": [DATABASE, UID, KEY, model, method, args, kwargs]}}
    answered = {"jsonrpc": "2.0", "id": 1, ("error" if error else "result"): answer}
    return {"request": request("POST", f"{BASE}/jsonrpc", headers=RPC_HEADERS, body=_json(body)),
            "response": response(200, answered)}


def login(uid: Any = UID) -> dict[str, Any]:
    """``common.login(db, login, key)``: the uid, or false for credentials Odoo does not take."""
    body = {"jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"service": "common", "method": "login", "args": [DATABASE, "api-bot@example.com", KEY]}}
    return {"request": request("POST", f"{BASE}/jsonrpc", headers={"Accept": "application/json",
                                                                   "Content-Type": "application/json"},
                               body=_json(body)),
            "response": response(200, {"jsonrpc": "2.0", "id": 1, "result": uid})}


def _json(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def search(model: str, since: str | None, offset: int) -> dict[str, Any]:
    """The named arguments of a ``search_read`` page, as the connector sends them."""
    return {"domain": [["write_date", ">=", since]] if since else [], "fields": FIELDS[model], "order": ORDER,
            "context": {"active_test": False}, "offset": offset, "limit": LIMIT}


def pages(model: str, records: list[dict[str, Any]], since: str | None = None) -> list[dict[str, Any]]:
    """A JSON-2 pass: pages of LIMIT records, then the empty page that ends it."""
    return [json2(model, "search_read", search(model, since, offset), chunk) for offset, chunk in _chunks(records)]


def rpc_pages(model: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same pass over JSON-RPC: offset and limit among execute_kw's kwargs."""
    return [rpc(model, "search_read", [], search(model, None, offset), chunk) for offset, chunk in _chunks(records)]


def _chunks(records: list[dict[str, Any]]) -> list[tuple[int, list[dict[str, Any]]]]:
    """``(offset, page)`` of each page, then the empty page: the offset moves by the records received."""
    chunks = [records[i:i + LIMIT] for i in range(0, len(records), LIMIT)] + [[]]
    return [(sum(map(len, chunks[:n])), chunk) for n, chunk in enumerate(chunks)]


def _json2_error(status: int, name: str, message: str) -> dict[str, Any]:
    """A JSON-2 error body, as the reference's example writes it."""
    return {"name": name, "message": message, "arguments": [message], "context": {},
            "debug": f"Traceback (most recent call last):\n  ...\n{name}: {message}\n"}


def _rpc_error(name: str, message: str) -> dict[str, Any]:
    return {"code": 200, "message": "Odoo Server Error",
            "data": {"name": name, "debug": "Traceback (most recent call last):\n  ...\n", "message": message,
                     "arguments": [message], "context": {}}}


# ---------------------------------------------------------------- the write conversation


def employee_values() -> dict[str, Any]:
    """What an accepted offer becomes (the offer of tests/plugins/erp/test_odoo_write.py, its job from
    the ATS: a title and a department name, no Odoo job id); 95000 a year is 7916.67 a month."""
    return {"name": "Test Candidate 5", "barcode": EMPLOYEE_KEY, "work_email": "test.candidate5@example.com",
            "job_title": "Software Engineer", "department_id": 2, "contract_date_start": "2024-07-01",
            "wage": "7916.67"}


def hire_values() -> dict[str, Any]:
    """What the accepted Greenhouse offer becomes: its candidate, its job's title and (mapped by the
    customer from Greenhouse's department id) department; 105000 a year is 8750.00 a month."""
    return {"name": "Test Candidate Three", "barcode": HIRE_KEY, "work_email": "test.candidate3@example.com",
            "job_title": "Account Executive", "department_id": 3, "contract_date_start": "2024-07-01",
            "wage": "8750.00"}


def write_json2(found: list[dict[str, Any]], values: dict[str, Any] | None = None, *,
                department: list[Any] = DEPARTMENT_DOMAIN, department_id: int = 2,
                created: int = CREATED_EMPLOYEE) -> list[dict[str, Any]]:
    """Lookup by the offer's key, then (when it finds none) the department and the employee's create."""
    values = values or employee_values()
    lookup = json2("hr.employee", "search_read", {"domain": [["barcode", "=", values["barcode"]]], "fields": ["id"],
                                                  "limit": 1, "context": {"active_test": False}}, found)
    if found:
        return [lookup]
    department_found = json2("hr.department", "search_read", {"domain": department,
                                                              "fields": ["id"], "limit": 1}, [{"id": department_id}])
    create = json2("hr.employee", "create", {"vals_list": [values]}, [created])
    return [lookup, department_found, create]


def write_contract() -> list[dict[str, Any]]:
    """Odoo 18 over JSON-RPC (``compensation: contract``): the employee without pay, then its draft
    ``hr.contract`` carrying the wage, after a lookup finds none."""
    lookup = rpc("hr.employee", "search_read", [], {"domain": [["barcode", "=", EMPLOYEE_KEY]], "fields": ["id"],
                                                    "limit": 1, "context": {"active_test": False}}, [])
    department = rpc("hr.department", "search_read", [], {"domain": DEPARTMENT_DOMAIN,
                                                          "fields": ["id"], "limit": 1}, [{"id": 2}])
    employee = {k: v for k, v in employee_values().items() if k not in ("wage", "contract_date_start")}
    employee["job_id"] = 11  # this offer's job was read from Odoo: its position is linked
    create = rpc("hr.employee", "create", [[employee]], {}, [CREATED_EMPLOYEE])
    contracts = rpc("hr.contract", "search_read", [], {"domain": [["employee_id", "=", CREATED_EMPLOYEE]],
                                                       "fields": ["id"], "limit": 1, "context": {"active_test": False}},
                    [])
    contract = rpc("hr.contract", "create", [[{"name": f"Offer {EMPLOYEE_KEY}", "employee_id": CREATED_EMPLOYEE,
                                               "wage": "7916.67", "state": "draft", "date_start": "2024-07-01"}]],
                   {}, [61])
    return [login(), lookup, department, create, contracts, contract]


def cassettes() -> dict[str, list[dict[str, Any]]]:
    throttled = json2("hr.job", "search_read", search("hr.job", None, 0), _json2_error(
        429, "werkzeug.exceptions.TooManyRequests", "Too Many Requests"), status=429, headers={"Retry-After": ["1"]})
    unavailable = json2("hr.job", "search_read", search("hr.job", None, 0),
                        "<html><body><h1>503 Service Unavailable</h1></body></html>", status=503)
    unavailable["response"]["headers"]["Content-Type"] = ["text/html"]
    return {
        # the standard suite (JSON-2)
        "employees": pages("hr.employee", EMPLOYEES),
        "departments": pages("hr.department", DEPARTMENTS),
        "jobs": pages("hr.job", JOBS),
        "applications": pages("hr.applicant", APPLICANTS),
        "resume": pages("hr.employee", RESUMED, since=EMPLOYEES[-1]["write_date"]),
        "retried": [throttled, unavailable, *pages("hr.job", JOBS)],
        "malformed": pages("hr.department", [*DEPARTMENTS[:3], NAMELESS_DEPARTMENT]),
        # JSON-RPC: the same departments, login first; and its error answers
        "jsonrpc_departments": [login(), *rpc_pages("hr.department", DEPARTMENTS)],
        "jsonrpc_login_refused": [login(False)],
        "jsonrpc_access_error": [login(), rpc("hr.employee", "search_read", [], search("hr.employee", None, 0),
                                              _rpc_error("odoo.exceptions.AccessError",
                                                         "You are not allowed to access 'Employee' (hr.employee) "
                                                         "records."), error=True)],
        "json2_bad_key": [json2("hr.job", "search_read", search("hr.job", None, 0), _json2_error(
            401, "werkzeug.exceptions.Unauthorized", "Invalid apikey"), status=401)],
        # writes: an accepted offer becomes an employee once
        "write_employee": write_json2([]),
        "write_employee_again": write_json2([{"id": CREATED_EMPLOYEE}]),
        # the acceptance test of issue 35 (tests/e2e/test_offer_to_payroll.py): Greenhouse's hire, then its rerun
        "hire_from_greenhouse": write_json2([], hire_values(), department=department_domain("Sales"), department_id=3,
                                            created=HIRED_EMPLOYEE),
        "hire_from_greenhouse_again": write_json2([{"id": HIRED_EMPLOYEE}], hire_values()),
        "write_employee_contract": write_contract(),
        "write_employee_refused": [
            json2("hr.employee", "search_read", {"domain": [["barcode", "=", EMPLOYEE_KEY]], "fields": ["id"],
                                                 "limit": 1, "context": {"active_test": False}}, []),
            json2("hr.department", "search_read", {"domain": DEPARTMENT_DOMAIN,
                                                   "fields": ["id"], "limit": 1}, [{"id": 2}]),
            json2("hr.employee", "create", {"vals_list": [employee_values()]}, _json2_error(
                422, "odoo.exceptions.ValidationError",
                "The Badge ID must be unique, this one is already assigned to another employee."), status=422)],
    }


def main() -> None:
    write_cassettes(HERE, cassettes())


if __name__ == "__main__":
    main()
