"""Write the Workday RaaS cassettes in this folder (run by hand; the YAML files are committed).

Why generated: one made-up tenant (``examplecorp``) whose report rows must agree across files, and each
request must carry exactly the query the connector sends (``format=json``, the prompts, ``Updated_From``).

The protocol follows what public Workday-maintained code shows (docs/connectors/workday_raas.md):
``GET https://<host>/ccx/service/customreport2/<tenant>/<owner>/<report>?format=json`` with the
report's prompts as query parameters, answered ``{"Report_Entry": [...]}`` whole (no paging); HTTP Basic
with an integration system user (recorded as ``<REDACTED>``) or a bearer token from
``POST /ccx/oauth2/<tenant>/token`` (``grant_type=refresh_token``, form fields; ``Workday/raas-python``).
Error bodies are the SOAP fault and JSON error Workday answers with (unverified beyond third-party
reports, as the docs say). People are fictional (example.com, 555-01xx numbers).

Usage::

    .venv/bin/python tests/cassettes/hr_suites/workday_raas/_build.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from hub.testing.cassette_writer import request, response, write_cassettes

HERE = Path(__file__).resolve().parent
HOST = "https://wd2-impl-services1.workday.com"
REPORT = f"{HOST}/ccx/service/customreport2/examplecorp/ISU_HUB/HUB_Workers"
TOKEN_URL = f"{HOST}/ccx/oauth2/examplecorp/token"
PROMPTS = {"Include_Terminated_Workers": "1"}


def _worker(employee_id: int, name: str, status: str, updated: str, *, title: str, org: str, pay: str | None,
            currency: str | None, frequency: str | None, manager: int | None = 21001,
            hired: str = "2022-03-14") -> dict[str, Any]:
    """One report row, keyed by the fields' XML aliases (the example mapping's)."""
    n = employee_id - 21000
    row: dict[str, Any] = {
        "Employee_ID": str(employee_id), "Legal_Name": name, "Email_Address": f"{name.lower().replace(' ', '.')}@example.com",
        "Phone": f"+1 (801) 555-01{n:02d}", "Hire_Date": hired, "Business_Title": title,
        "Supervisory_Organization": org, "Worker_Status": status, "Last_Updated": updated,
    }
    if manager is not None:
        row["Manager_ID"] = str(manager)
    if pay is not None:
        row.update(Base_Pay=pay, Currency=currency, Pay_Frequency=frequency)
    return row


WORKERS = [
    _worker(21001, "Ada Example", "Active", "2024-06-03T08:04:05.000-07:00", title="VP Engineering", org="Engineering",
            pay="185000", currency="USD", frequency="Annual", manager=None, hired="2019-08-05"),
    _worker(21002, "Ben Sample", "On Leave", "2024-06-04T09:30:00.000-07:00", title="Support Specialist",
            org="Customer Success", pay="32.50", currency="USD", frequency="Hourly"),
    _worker(21003, "Cara Demo", "Terminated", "2024-06-05T10:00:00.000-07:00", title="Designer", org="Design",
            pay="7100.00", currency="EUR", frequency="Monthly"),
    _worker(21004, "Dev Placeholder", "Pre-Hire", "2024-06-05T16:45:00.000-07:00", title="Data Analyst",
            org="Finance", pay=None, currency=None, frequency=None, hired="2024-07-01"),
]
#: The cursor a full pass leaves (the latest Last_Updated): where the resumed run starts.
RESUMED = max(w["Last_Updated"] for w in WORKERS)
CHANGED = [
    {**WORKERS[1], "Worker_Status": "Active", "Last_Updated": "2024-06-07T11:00:00.000-07:00"},
    _worker(21005, "Eli Fictional", "Active", "2024-06-08T08:00:00.000-07:00", title="Recruiter", org="People",
            pay="88000", currency="USD", frequency="Annual"),
]
#: A row whose status the example mapping does not know: a dead letter, never guessed.
RETIRED = _worker(21006, "Fay Newhire", "Retired", "2024-06-06T09:00:00.000-07:00", title="Advisor", org="People",
                  pay=None, currency=None, frequency=None)


def _uri(params: dict[str, str]) -> str:
    return str(httpx.URL(REPORT, params=params))


def report(rows: list[dict[str, Any]], *, since: str | None = None, auth: str = "Basic <REDACTED>") -> dict[str, Any]:
    params = {"format": "json", **PROMPTS, **({"Updated_From": since} if since else {})}
    return {"request": request("GET", _uri(params), headers={"Accept": "application/json", "Authorization": auth}),
            "response": response(200, {"Report_Entry": rows})}


SOAP_FAULT = (
    '<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">'
    "<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SOAP-ENV:Client.validationError</faultcode>"
    "<faultstring>Validation error occurred. Invalid date-time for prompt Updated_From</faultstring>"
    "<detail><wd:Validation_Fault xmlns:wd=\"urn:com.workday/bsvc\"><wd:Validation_Error>"
    "<wd:Message>Invalid date-time for prompt Updated_From</wd:Message></wd:Validation_Error></wd:Validation_Fault>"
    "</detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>"
)
XML = {"Content-Type": ["text/xml;charset=UTF-8"]}


def failed(code: int, body: Any, *, since: str | None = None, content: dict[str, list[str]] | None = None,
           headers: dict[str, str] | None = None) -> dict[str, Any]:
    episode = report([], since=since)
    episode["response"] = response(code, body, headers=headers, content=content or {"Content-Type": ["application/json"]})
    return episode


def retried() -> list[dict[str, Any]]:
    """Throttled (429 with Retry-After), then a 503 (maintenance), then the report."""
    return [failed(429, None, headers={"Retry-After": "0"}, content={}), failed(503, "Service Unavailable",
                                                                             content={"Content-Type": ["text/plain"]}),
            report(WORKERS)]


def oauth() -> list[dict[str, Any]]:
    """The refresh token traded for an access token (form fields scrubbed), then the report with it."""
    form = urlencode({"grant_type": "refresh_token", "client_id": "<REDACTED>", "client_secret": "<REDACTED>",
                      "refresh_token": "<REDACTED>"})
    token = {"request": request("POST", TOKEN_URL, headers={"Content-Type": "application/x-www-form-urlencoded"},
                                body=form),
             "response": response(200, {"access_token": "<REDACTED-ACCESS-TOKEN>", "token_type": "Bearer"})}
    return [token, report(WORKERS[:1], auth="Bearer <REDACTED>")]


def cassettes() -> dict[str, list[dict[str, Any]]]:
    """File stem → interactions, in the order a client sends them."""
    return {
        "employees": [report(WORKERS)],
        # the standard suite (hub.testing): throttled then served, resumed from the full pass's cursor,
        # one row the example mapping refuses beside one it takes
        "retried": retried(),
        "resume": [report(CHANGED, since=RESUMED)],
        "malformed": [report([WORKERS[0], RETIRED])],
        # the connector's own tests: the API-client credentials, and Workday's error bodies
        "oauth": oauth(),
        "errors": [failed(500, SOAP_FAULT, since="yesterday", content=XML),
                   failed(400, {"error": "invalid_request", "message": "Unknown report prompt Updated_Fro"}),
                   failed(401, None, content={})],
    }


if __name__ == "__main__":
    write_cassettes(HERE, cassettes())
