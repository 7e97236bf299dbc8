"""Write the Gusto API v1 cassettes in this folder (run by hand; the YAML files are committed).

Why generated: the cassettes share one small, made-up company (its employees, their jobs and
compensations, the processed payrolls that paid them) whose uuids must agree across files, every
page must carry the ``X-Total-*`` headers, and every request the pinned ``X-Gusto-API-Version``.
Writing that by hand invites drift.

The protocol follows https://docs.gusto.com (App Integrations reference; facts in
docs/connectors/gusto.md): OAuth 2.0 ``POST /oauth/token`` with the refresh-token grant in a JSON
body, answered with a new access token *and a new refresh token*; ``page``/``per`` pagination over
bare arrays with ``X-Page``, ``X-Per-Page``, ``X-Total-Count``, ``X-Total-Pages``; 429 with
``Retry-After`` (seconds) and the ``X-RateLimit-*`` headers; error bodies
``{"errors": [{"error_key", "category", "message"}]}``; webhook events signed with
``X-Gusto-Signature``. Payrolls are listed without their compensations (the list documents none) and
each is fetched from *Get a single payroll*, which pages its ``employee_compensations``
(https://docs.gusto.com/embedded-payroll/reference/get-v1-companies-company_id-payrolls-payroll_id),
recorded at ``per=2`` like the lists. People are fictional (example.com, 555-01xx numbers); credentials are
placeholders that read as scrubbed (``<REDACTED-...>``).

The write conversations are those of an accepted Greenhouse offer (tests/cassettes/hr_suites/greenhouse:
offer 8002 of candidate 1003 "Test Candidate Three", test.candidate3@example.com, for job 5002
"Account Executive", starting 2024-07-01 at 105000 USD a year) becoming a Gusto employee:

* ``write_offer`` — no employee has the email: employee, job and compensation created;
* ``write_offer_again`` — the rerun once the hub keeps Gusto's id: read, nothing written;
* ``write_offer_after_crash`` — the rerun when the id was never kept: found by email, nothing written;
* ``write_offer_conflict`` — the compensation's ``version`` went stale: 409, re-read, written.

Gusto has no incremental filter on employees, so the resume episodes are a pass that stops at its
second page (``interrupted``) and the run after it, which starts at that page (``resumed``).

Usage::

    .venv/bin/python tests/cassettes/payroll/gusto/_build.py
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hub.testing.cassette_writer import request, response, write_cassettes
from plugins.payroll.gusto import Gusto

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parents[2] / "fixtures" / "gusto"
MAPPING_FIXTURES = HERE.parents[2] / "fixtures" / "mapping" / "gusto"
API = "https://api.gusto.com"
VERSION = "2025-06-15"  # plugins.payroll.gusto.API_VERSION
PER = 2
COMPANY = "c0a1b2c3-0000-4000-8000-000000000001"
WEBHOOK_SECRET = "test-verification-token-not-real"  # the test suite's `webhook_secret`
ROTATED = "<REDACTED-ROTATED-REFRESH-TOKEN-{n}>"
ATTEMPTS = 3  # the tests' retry.max_attempts


def _uuid(prefix: str, n: int) -> str:
    return f"{prefix}-0000-4000-8000-{n:012d}"


def _compensation(n: int, job: str, employee: str, rate: str, unit: str, flsa: str, *, version: int = 1) -> dict[str, Any]:
    return {"uuid": _uuid("c0de0000", n), "version": f"{n:08x}{version:024x}", "job_uuid": job,
            "employee_uuid": employee, "rate": rate, "payment_unit": unit, "flsa_status": flsa,
            "effective_date": "2024-01-15", "adjust_for_minimum_wage": False, "minimum_wages": []}


def _job(n: int, employee: str, title: str, hire_date: str, rate: str, unit: str, flsa: str,
         *, comp_version: int = 1) -> dict[str, Any]:
    uuid = _uuid("70b00000", n)
    compensation = _compensation(n, uuid, employee, rate, unit, flsa, version=comp_version)
    return {"uuid": uuid, "version": f"{n:08x}{1:024x}", "employee_uuid": employee, "hire_date": hire_date,
            "title": title, "primary": True, "rate": rate, "payment_unit": unit,
            "current_compensation_uuid": compensation["uuid"], "two_percent_shareholder": False,
            "state_wc_covered": None, "state_wc_class_code": None, "location_uuid": _uuid("10c00000", 1),
            "compensations": [compensation]}


def _employee(n: int, first: str, last: str, *, title: str, rate: str, unit: str, flsa: str = "Exempt",
              onboarded: bool = True, terminated: bool = False, manager: int | None = None,
              hire_date: str = "2024-01-15", email: str | None = None) -> dict[str, Any]:
    uuid = _uuid("e0000000", n)
    return {
        "uuid": uuid, "first_name": first, "middle_initial": None, "last_name": last,
        "email": email or f"{first.lower()}.{last.lower().replace(' ', '')}@example.com",
        "work_email": f"employee{n}@work.example.com", "company_uuid": COMPANY,
        "manager_uuid": _uuid("e0000000", manager) if manager else None, "version": f"{n:08x}{1:024x}",
        "department": "Engineering" if n % 2 else "Sales", "department_uuid": _uuid("de000000", n % 2 + 1),
        "terminated": terminated, "two_percent_shareholder": False, "onboarded": onboarded,
        "onboarding_status": "onboarding_completed" if onboarded else "admin_onboarding_incomplete",
        "jobs": [_job(n, uuid, title, hire_date, rate, unit, flsa)] if title else [],
        "eligible_paid_time_off": [], "terminations": [], "garnishments": [], "date_of_birth": "1990-05-17",
        "has_ssn": True, "ssn": "", "phone": f"41555501{n:02d}", "preferred_first_name": None,
        "payment_method": "Direct Deposit", "current_employment_status": "full_time", "historical": False,
        "employee_code": f"ex{n:04d}", "title": title, "hired_at": hire_date,
    }


EMPLOYEES = [
    _employee(1, "Avery", "Example", title="Engineering Manager", rate="150000.00", unit="Year"),
    _employee(2, "Blake", "Sample", title="Account Executive", rate="42.50", unit="Hour", flsa="Nonexempt", manager=1),
    _employee(3, "Casey", "Placeholder", title="Backend Engineer", rate="10500.00", unit="Month", manager=1),
    _employee(4, "Devon", "Testperson", title="Support Specialist", rate="1500.00", unit="Week", flsa="Nonexempt",
              terminated=True),
    _employee(5, "Emery", "Fictional", title="", rate="", unit="", onboarded=False),
]
#: An owner paid per paycheck: "Paycheck" has no canonical period, so the mapping refuses it.
OWNER = _employee(6, "Finley", "Owner", title="Founder", rate="5000.00", unit="Paycheck", flsa="Owner")

#: The pay runs of the past months, newest first: (pay period start, end, check date); each pays
#: employees 1-4 and excludes the one still onboarding (5), who has no payslip.
RUNS = [("2024-05-01", "2024-05-15", "2024-05-20"), ("2024-04-16", "2024-04-30", "2024-05-03"),
        ("2024-04-01", "2024-04-15", "2024-04-19"), ("2024-03-16", "2024-03-31", "2024-04-03"),
        ("2024-03-01", "2024-03-15", "2024-03-20")]
#: Each paid employee's (gross, net) per run, decimal strings as Gusto sends dollar amounts.
PAY = {1: ("6250.00", "4512.37"), 2: ("3400.00", "2671.05"), 3: ("5250.00", "3894.12"), 4: ("3250.00", "2588.40")}


def _payroll(n: int, start: str, end: str, check: str) -> dict[str, Any]:
    """A processed regular payroll as *Get a single payroll* answers it: with what it paid each employee."""
    uuid = _uuid("9a700000", n)
    paid = [{"employee_uuid": _uuid("e0000000", e), "excluded": False, "gross_pay": gross, "net_pay": net,
             "check_amount": net, "payment_method": "Direct Deposit", "memo": None,
             "fixed_compensations": [], "hourly_compensations": [], "paid_time_off": []}
            for e, (gross, net) in PAY.items()]
    skipped = {"employee_uuid": _uuid("e0000000", 5), "excluded": True, "gross_pay": None, "net_pay": None,
               "check_amount": None, "payment_method": None, "memo": None,
               "fixed_compensations": [], "hourly_compensations": [], "paid_time_off": []}
    return {"uuid": uuid, "payroll_uuid": uuid, "company_uuid": COMPANY, "processed": True,
            "processed_date": check, "calculated_at": f"{check}T09:00:00Z", "check_date": check,
            "payroll_deadline": f"{check}T23:00:00Z", "off_cycle": False, "external": False,
            "pay_period": {"start_date": start, "end_date": end, "pay_schedule_uuid": _uuid("5c4e0000", 1)},
            "employee_compensations": [*paid, skipped]}


PAYROLLS = [_payroll(n, *run) for n, run in enumerate(RUNS, start=1)]
#: The payrolls as the list answers them: without employee_compensations (the list documents no such include).
LISTED_PAYROLLS = [{k: v for k, v in payroll.items() if k != "employee_compensations"} for payroll in PAYROLLS]
PAYROLLS_PATH = f"/v1/companies/{COMPANY}/payrolls"
#: The payrolls stream's fixed query: processed runs, regular and off-cycle.
PAYROLLS_QUERY = {"processing_statuses": "processed", "payroll_types": "regular,off_cycle"}

#: The accepted Greenhouse offer's new hire, as Gusto holds them once the write has run.
HIRE = 7
HIRE_UUID = _uuid("e0000000", HIRE)
HIRE_EMAIL = "test.candidate3@example.com"


# ---------------------------------------------------------------- the conversation's pieces


def _headers(*, body: bool = False) -> dict[str, str]:
    headers = {"Accept": "application/json", "X-Gusto-API-Version": VERSION, "Authorization": "<REDACTED>"}
    return {**headers, "Content-Type": "application/json"} if body else headers


def _rate_headers(remaining: int = 199) -> dict[str, str]:
    return {"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": "60"}


def token(n: int = 1) -> dict[str, Any]:
    """``POST /oauth/token``, refresh-token grant; the answer rotates the refresh token."""
    sent = {"client_id": "<REDACTED>", "client_secret": "<REDACTED>", "grant_type": "refresh_token",
            "refresh_token": "<REDACTED>" if n == 1 else ROTATED.format(n=n - 1)}
    answer = {"access_token": f"<REDACTED-ACCESS-TOKEN-{n}>", "token_type": "bearer", "expires_in": 7200,
              "refresh_token": ROTATED.format(n=n), "created_at": 1717232400,
              "scope": "employees:read employees:write jobs:read jobs:write compensations:read compensations:write"}
    return {"request": request("POST", f"{API}/oauth/token", headers={"Accept": "application/json",
                                                                     "Content-Type": "application/json"},
                               body=json.dumps(sent, separators=(",", ":"))),
            "response": response(200, answer, headers={"Cache-Control": "no-store"})}


def page(records: list[dict[str, Any]], number: int, total: int, *, per: int = PER,
         path: str = f"/v1/companies/{COMPANY}/employees", query: dict[str, str] | None = None) -> dict[str, Any]:
    """One page of a list (employees unless ``path`` says) with Gusto's ``X-*`` paging headers."""
    pages = max(1, -(-total // per))
    chunk = records[(number - 1) * per: number * per]
    query = urlencode({**(query or {}), "per": per, "page": number})
    return {"request": request("GET", f"{API}{path}?{query}", headers=_headers()),
            "response": response(200, chunk, headers={"X-Page": str(number), "X-Per-Page": str(per),
                                                      "X-Total-Count": str(total), "X-Total-Pages": str(pages),
                                                      **_rate_headers()})}


def single_payroll(payroll: dict[str, Any]) -> list[dict[str, Any]]:
    """``GET /v1/companies/{company_uuid}/payrolls/{payroll_uuid}?per=2&page=N``, every page: the run's
    own fields on each, its employee compensations ``PER`` a page, with the paging headers of a list."""
    paid = payroll["employee_compensations"]
    total = -(-len(paid) // PER)
    answers = []
    for number in range(1, total + 1):
        answer = {**payroll, "employee_compensations": paid[(number - 1) * PER: number * PER]}
        query = urlencode({"per": PER, "page": number})
        url = f"{API}{PAYROLLS_PATH}/{payroll['uuid']}?{query}"
        answers.append({"request": request("GET", url, headers=_headers()),
                        "response": response(200, answer, headers={"X-Page": str(number), "X-Per-Page": str(PER),
                                                                   "X-Total-Count": str(len(paid)),
                                                                   "X-Total-Pages": str(total), **_rate_headers()})})
    return answers


def payrolls() -> list[dict[str, Any]]:
    """The payrolls pass as a sync makes it: each list page, then every page of each payroll it lists
    (five employees a run: three pages of compensations at the recorded ``per`` of 2)."""
    episodes = [token()]
    for number, listed in enumerate(pages(LISTED_PAYROLLS, path=PAYROLLS_PATH, query=PAYROLLS_QUERY), start=1):
        episodes += [listed, *(answer for payroll in PAYROLLS[(number - 1) * PER: number * PER]
                               for answer in single_payroll(payroll))]
    return episodes


def pages(records: list[dict[str, Any]], *, per: int = PER, **where: Any) -> list[dict[str, Any]]:
    count = max(1, -(-len(records) // per))
    return [page(records, n, len(records), per=per, **where) for n in range(1, count + 1)]


def error(method: str, path: str, status: int, key: str, category: str, message: str,
          *, headers: dict[str, str] | None = None) -> dict[str, Any]:
    body = {"errors": [{"error_key": key, "category": category, "message": message}]}
    return {"request": request(method, f"{API}{path}", headers=_headers(body=method in ("POST", "PUT"))),
            "response": response(status, body, headers=headers)}


def ok(method: str, path: str, answer: Any, *, sent: Any = None, status: int = 200) -> dict[str, Any]:
    body = None if sent is None else json.dumps(sent, separators=(",", ":"))
    return {"request": request(method, f"{API}{path}", headers=_headers(body=sent is not None), body=body),
            "response": response(status, answer, headers=_rate_headers())}


# ---------------------------------------------------------------- the episodes


def retried() -> list[dict[str, Any]]:
    """The employees pass; page 2 answered 429 (``Retry-After: 1``), then 503, before it is served."""
    first, second, third = pages(EMPLOYEES)
    throttled = error("GET", f"/v1/companies/{COMPANY}/employees?per={PER}&page=2", 429, "rate_limit_exceeded",
                      "rate_limit_exceeded", "Too many requests. Please retry after the time in Retry-After.",
                      headers={"Retry-After": "1", **_rate_headers(0)})
    unavailable = {"request": second["request"], "response": response(503, "<html>Service Unavailable</html>",
                                                                      content={"Content-Type": ["text/html"]})}
    return [token(), first, throttled, unavailable, second, third]


def interrupted() -> list[dict[str, Any]]:
    """A pass that stops at page 2 (503 on each of the tests' 3 attempts): its checkpoint is page 2's request."""
    first, second, _ = pages(EMPLOYEES)
    unavailable = {"request": second["request"], "response": response(503, "<html>Service Unavailable</html>",
                                                                      content={"Content-Type": ["text/html"]})}
    return [token(), first, *[unavailable] * ATTEMPTS]


def resumed() -> list[dict[str, Any]]:
    """The next run: Gusto lists no changes since a time, so the pass resumes at the page it stopped at."""
    _, second, third = pages(EMPLOYEES)
    return [token(), second, third]


def malformed() -> list[dict[str, Any]]:
    """Two employees, one of them the owner paid per ``Paycheck`` (refused by the mapping)."""
    return [token(), *pages([EMPLOYEES[0], OWNER])]


def token_refresh() -> list[dict[str, Any]]:
    """The access token is refused mid-pass (401): refreshed once with the rotated refresh token, then the page."""
    first, second, third = pages(EMPLOYEES)
    refused = error("GET", f"/v1/companies/{COMPANY}/employees?per={PER}&page=2", 401, "invalid_token",
                    "invalid_token", "The access token is invalid or has expired.")
    return [token(1), first, refused, token(2), second, third]


def errors() -> list[dict[str, Any]]:
    """A company the token may not read: 404 with Gusto's error body."""
    return [token(), error("GET", f"/v1/companies/{COMPANY}/employees?per={PER}&page=1", 404, "not_found",
                           "not_found", "Company not found")]


def webhook_fetch() -> list[dict[str, Any]]:
    """The employee an ``employee.updated`` event names, fetched (the webhook cases replay this)."""
    return [token(), ok("GET", f"/v1/employees/{EMPLOYEES[2]['uuid']}", EMPLOYEES[2])]


# ---------------------------------------------------------------- writes


def _hire(*, comp_version: int = 1, paid: bool = True) -> dict[str, Any]:
    """The new hire as Gusto holds them: with the job, and paid as the offer says once ``paid``."""
    hire = _employee(HIRE, "Test", "Candidate Three", title="Account Executive", rate="105000.00" if paid else "0.00",
                     unit="Year" if paid else "Hour", flsa="Exempt" if paid else "Nonexempt",
                     hire_date="2024-07-01", email=HIRE_EMAIL, onboarded=False)
    hire["jobs"][0]["compensations"][0]["version"] = f"{HIRE:08x}{comp_version:024x}"
    hire["work_email"] = None
    return hire


def _created_employee() -> dict[str, Any]:
    return {**_hire(), "jobs": [], "title": None, "hired_at": None, "employee_code": None, "department": None,
            "department_uuid": None, "date_of_birth": None, "has_ssn": False, "phone": None}


def _new_job(*, comp_version: int = 1) -> dict[str, Any]:
    job = _hire(paid=False, comp_version=comp_version)["jobs"][0]
    return job


WANTED_PAY = {"rate": "105000.00", "payment_unit": "Year", "flsa_status": "Exempt"}


def write_offer() -> list[dict[str, Any]]:
    created = _created_employee()
    job = _new_job()
    compensation = job["compensations"][0]
    paid = {**compensation, **WANTED_PAY, "version": f"{HIRE:08x}{2:024x}"}
    return [
        token(), page(EMPLOYEES, 1, len(EMPLOYEES), per=100),
        ok("POST", f"/v1/companies/{COMPANY}/employees", created, status=201,
           sent={"first_name": "Test", "last_name": "Candidate Three", "email": HIRE_EMAIL}),
        ok("POST", f"/v1/employees/{HIRE_UUID}/jobs", job, status=201,
           sent={"title": "Account Executive", "hire_date": "2024-07-01"}),
        ok("PUT", f"/v1/compensations/{compensation['uuid']}", paid,
           sent={"version": compensation["version"], **WANTED_PAY}),
    ]


def write_offer_again() -> list[dict[str, Any]]:
    return [token(), ok("GET", f"/v1/employees/{HIRE_UUID}", _hire())]


def write_offer_after_crash() -> list[dict[str, Any]]:
    return [token(), page([*EMPLOYEES, _hire()], 1, len(EMPLOYEES) + 1, per=100)]


def write_offer_conflict() -> list[dict[str, Any]]:
    """The compensation changed between the read and the write: 409, read again, written with the fresh version."""
    stale = _hire(paid=False)
    compensation = stale["jobs"][0]["compensations"][0]
    fresh = {**compensation, "version": f"{HIRE:08x}{2:024x}"}
    paid = {**compensation, **WANTED_PAY, "version": f"{HIRE:08x}{3:024x}"}
    url = f"/v1/compensations/{compensation['uuid']}"
    conflict = error("PUT", url, 409, "version", "invalid_attribute_value",
                     "The resource you are trying to update has been modified since it was loaded. "
                     "Please reload and try again.")
    conflict["request"]["body"] = json.dumps({"version": compensation["version"], **WANTED_PAY}, separators=(",", ":"))
    return [token(), ok("GET", f"/v1/employees/{HIRE_UUID}", stale), conflict, ok("GET", url, fresh),
            ok("PUT", url, paid, sent={"version": fresh["version"], **WANTED_PAY})]


def write_offer_gone() -> list[dict[str, Any]]:
    """The employee the hub kept the id of was deleted in Gusto: 404."""
    return [token(), error("GET", f"/v1/employees/{_uuid('e0000000', 99)}", 404, "not_found", "not_found",
                           "Employee not found")]


def write_offer_conflict_stays() -> list[dict[str, Any]]:
    """Every write of the compensation meets a newer version (someone keeps editing it): 3 tries, then given back."""
    stale = _hire(paid=False)
    compensation = stale["jobs"][0]["compensations"][0]
    url = f"/v1/compensations/{compensation['uuid']}"
    episodes = [token(), ok("GET", f"/v1/employees/{HIRE_UUID}", stale)]
    for attempt in range(1, 4):
        version = f"{HIRE:08x}{attempt:024x}"
        if attempt > 1:
            episodes.append(ok("GET", url, {**compensation, "version": version}))
        conflict = error("PUT", url, 409, "version", "invalid_attribute_value",
                         "The resource you are trying to update has been modified since it was loaded.")
        conflict["request"]["body"] = json.dumps({"version": version, **WANTED_PAY}, separators=(",", ":"))
        episodes.append(conflict)
    return episodes


# ---------------------------------------------------------------- webhooks and fixtures


def event(event_type: str, entity_type: str, entity_uuid: str, n: int) -> dict[str, Any]:
    return {"uuid": _uuid("e7e00000", n), "event_type": event_type, "resource_type": "Company",
            "resource_uuid": COMPANY, "entity_type": entity_type, "entity_uuid": entity_uuid,
            "timestamp": 1718186400 + n}


def signature(raw: bytes) -> str:
    return hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()


def main() -> None:
    write_cassettes(HERE, {
        "employees": [token(), *pages(EMPLOYEES)],
        "payrolls": payrolls(),
        "retried": retried(),
        "malformed": malformed(),
        "interrupted": interrupted(),
        "resumed": resumed(),
        "token_refresh": token_refresh(),
        "errors": errors(),
        "webhook": webhook_fetch(),
        "write_offer": write_offer(),
        "write_offer_again": write_offer_again(),
        "write_offer_after_crash": write_offer_after_crash(),
        "write_offer_conflict": write_offer_conflict(),
        "write_offer_conflict_stays": write_offer_conflict_stays(),
        "write_offer_gone": write_offer_gone(),
    })
    FIXTURES.mkdir(parents=True, exist_ok=True)
    samples = {
        "webhook_employee_updated.json": event("employee.updated", "Employee", EMPLOYEES[2]["uuid"], 1),
        "webhook_payroll_paid.json": event("payroll.paid", "Payroll", _uuid("9a700000", 1), 2),
        "webhook_verification.json": {"verification_token": "<REDACTED-NEW-VERIFICATION-TOKEN>"},
        "webhook_without_uuid.json": {k: v for k, v in event("employee.created", "Employee", EMPLOYEES[0]["uuid"], 3).items()
                                      if k != "uuid"},
    }
    for name, body in samples.items():
        (FIXTURES / name).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    MAPPING_FIXTURES.mkdir(parents=True, exist_ok=True)
    (MAPPING_FIXTURES / "employee.before.json").write_text(json.dumps(EMPLOYEES, indent=2) + "\n", encoding="utf-8")
    # the payslips of the newest run as the mapping receives them: one record per employee paid
    payslips = Gusto({"company_uuid": COMPANY, "client_id": "-", "client_secret": "-", "refresh_token": "-"})
    records = payslips.detail_records(payslips.stream("payrolls"), LISTED_PAYROLLS[0], PAYROLLS[0])
    (MAPPING_FIXTURES / "payslip.before.json").write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
