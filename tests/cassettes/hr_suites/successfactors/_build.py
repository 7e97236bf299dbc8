"""Write the SAP SuccessFactors OData v2 cassettes in this folder (run by hand; the YAML files are committed).

Why generated: one small, made-up company whose persons, employments, job and pay slices must agree
across files, and every page must carry the ``{"d": {"results": [...], "__next": ...}}`` envelope whose
``__next`` URL (the first request's query plus a ``$skiptoken``) the next request follows exactly.

The protocol follows the SuccessFactors OData v2 developer guide and KBA 2638422 (the SAML bearer
token from ``/oauth/token``, ``$format=json``, ``customPageSize`` with ``paging=snapshot``, ``d.__next``,
``/Date(ms)/`` dates, ``fromDate``/``toDate`` history, the OData error body, 429 with Retry-After);
the choices where the docs leave a shape open are named in docs/connectors/successfactors.md. People
are fictional (example.com, 555-01xx numbers); the assertion and tokens are placeholders, skip tokens
read ``<REDACTED-PAGE-n>``.

Usage::

    .venv/bin/python tests/cassettes/hr_suites/successfactors/_build.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx

from hub.core.transforms.odata_dates import format_odata_date
from hub.testing.cassette_writer import request, response, write_cassettes, write_json
from plugins.hr_suites.successfactors import CHANGED_SINCE, EXPAND, HISTORY, latest_change, person_values

HERE = Path(__file__).resolve().parent
MAPPING_FIXTURES = HERE.parents[2] / "fixtures" / "mapping" / "successfactors"
HOST = "https://apisalesdemo4.successfactors.com"
API = f"{HOST}/odata/v2"
PAGE = 2
TODAY = dt.date(2024, 6, 15)  # the day the before fixtures are prepared for (the recorded slices hold for any later day)
BASE = "BASE_SALARY"  # the test settings' base_pay_component


def day(text: str) -> str:
    """An Edm.DateTime as SuccessFactors writes a date: midnight UTC in ms."""
    return f"/Date({int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp() * 1000)})/"


def stamp(text: str) -> str:
    """An Edm.DateTimeOffset (lastModifiedDateTime): ms plus the +0000 offset."""
    return format_odata_date(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC))


def _meta(entity: str, key: str) -> dict[str, Any]:
    return {"uri": f"{API}/{entity}({key})", "type": f"SFOData.{entity}"}


def job(user: str, start: str, title: str, dept: str, status: str, modified: str, *, seq: int = 1,
        end: str = "9999-12-31") -> dict[str, Any]:
    return {"__metadata": _meta("EmpJob", f"seqNumber={seq}L,startDate=datetime'{start}T00:00:00',userId='{user}'"),
            "userId": user, "startDate": day(start), "endDate": day(end), "seqNumber": str(seq),
            "company": "ACE_USA", "department": dept, "division": "CORP_IND", "jobCode": "ENG_IC",
            "jobTitle": title, "position": None, "managerId": "NO_MANAGER", "emplStatus": "6021",
            "lastModifiedDateTime": stamp(modified),
            "emplStatusNav": {"__metadata": _meta("PicklistOption", "6021"), "id": "6021", "externalCode": status}}


def pay(user: str, start: str, component: str, value: float, currency: str, frequency: str,
        modified: str) -> dict[str, Any]:
    return {"__metadata": _meta("EmpPayCompRecurring", f"payComponent='{component}',seqNumber=1L,userId='{user}'"),
            "userId": user, "startDate": day(start), "endDate": day("9999-12-31"), "seqNumber": "1",
            "payComponent": component, "paycompvalue": value, "currencyCode": currency, "frequency": frequency,
            "lastModifiedDateTime": stamp(modified)}


def comp(user: str, start: str, rows: list[dict[str, Any]], modified: str) -> dict[str, Any]:
    return {"__metadata": _meta("EmpCompensation", f"seqNumber=1L,startDate=datetime'{start}T00:00:00',userId='{user}'"),
            "userId": user, "startDate": day(start), "endDate": day("9999-12-31"), "seqNumber": "1",
            "payGroup": "US_SEMI", "lastModifiedDateTime": stamp(modified),
            "empPayCompRecurringNav": {"results": rows}}


def person(n: int, first: str, *, jobs: list[dict[str, Any]], comps: list[dict[str, Any]], hired: str,
           modified: str) -> dict[str, Any]:
    pid = f"sfemp10{n}"
    return {"__metadata": _meta("PerPerson", f"'{pid}'"), "personIdExternal": pid, "personId": str(700 + n),
            "dateOfBirth": day(f"198{n}-0{n}-1{n}"), "lastModifiedDateTime": stamp(modified),
            "personalInfoNav": {"results": [
                {"personIdExternal": pid, "startDate": day("2015-01-01"), "endDate": day("9999-12-31"),
                 "firstName": first, "lastName": "Example", "lastModifiedDateTime": stamp(modified)}]},
            "emailNav": {"results": [{"personIdExternal": pid, "emailType": "8448", "isPrimary": True,
                                      "emailAddress": f"{first.lower()}.example@example.com"}]},
            "phoneNav": {"results": [{"personIdExternal": pid, "phoneType": "10605", "isPrimary": True,
                                      "countryCode": "1", "areaCode": "415", "phoneNumber": f"55501{n:02d}"}]},
            "employmentNav": {"results": [
                {"personIdExternal": pid, "userId": pid, "startDate": day(hired), "originalStartDate": day(hired),
                 "endDate": None, "lastModifiedDateTime": stamp(modified),
                 "jobInfoNav": {"results": jobs}, "compInfoNav": {"results": comps}}]}}


def _people() -> list[dict[str, Any]]:
    u = "sfemp10{}".format
    return [
        # a promotion last year, a transfer dated 2099 (future-dated: not today's slice), base pay and a car allowance
        person(1, "Avery", hired="2019-03-04", modified="2024-06-01T09:00:00",
               jobs=[job(u(1), "2019-03-04", "Engineer", "ENG", "A", "2019-03-01T10:00:00"),
                     job(u(1), "2023-07-01", "Senior Engineer", "ENG", "A", "2023-06-20T10:00:00"),
                     job(u(1), "2099-01-01", "Staff Engineer", "ARCH", "A", "2024-06-10T09:00:00")],
               comps=[comp(u(1), "2023-07-01", [pay(u(1), "2023-07-01", BASE, 95000.0, "USD", "ANN", "2023-06-20T10:00:00"),
                                               pay(u(1), "2023-07-01", "CAR_ALLOWANCE", 500.0, "USD", "MON",
                                                   "2023-06-20T10:00:00")], "2023-06-20T10:00:00")]),
        person(2, "Blake", hired="2021-01-11", modified="2024-06-02T09:00:00",
               jobs=[job(u(2), "2021-01-11", "Recruiter", "HR", "A", "2024-06-02T09:00:00")],
               comps=[comp(u(2), "2021-01-11", [pay(u(2), "2021-01-11", BASE, 6200.5, "USD", "MON",
                                                   "2024-06-02T09:00:00")], "2024-06-02T09:00:00")]),
        person(3, "Casey", hired="2018-05-01", modified="2024-06-03T09:00:00",
               jobs=[job(u(3), "2018-05-01", "Analyst", "FIN", "A", "2018-05-01T10:00:00"),
                     job(u(3), "2024-05-01", "Analyst", "FIN", "U", "2024-06-03T09:00:00", seq=1)],
               comps=[comp(u(3), "2018-05-01", [pay(u(3), "2018-05-01", BASE, 40.0, "USD", "HOURLY",
                                                   "2018-05-01T10:00:00")], "2018-05-01T10:00:00")]),
        person(4, "Devon", hired="2016-09-12", modified="2024-06-04T09:00:00",
               jobs=[job(u(4), "2016-09-12", "Designer", "MKT", "A", "2016-09-12T10:00:00"),
                     job(u(4), "2024-03-31", "Designer", "MKT", "T", "2024-06-04T09:00:00")],
               comps=[]),
        # hired from 2099: no job in force yet, so pending
        person(5, "Emery", hired="2099-02-01", modified="2024-06-05T09:00:00",
               jobs=[job(u(5), "2099-02-01", "Engineer", "ENG", "A", "2024-06-05T09:00:00")], comps=[]),
    ]


PEOPLE = _people()
#: The cursor a full pass leaves: the latest change of any person or row (Avery's 2099 transfer, entered 10 June).
RESUMED = max(latest_change(p) or "" for p in PEOPLE)
#: Biweekly pay has no canonical period: the mapping refuses this person (a dead letter naming the field).
MALFORMED = person(9, "Finley", hired="2020-02-03", modified="2024-06-06T09:00:00",
                   jobs=[job("sfemp109", "2020-02-03", "Support", "OPS", "A", "2020-02-03T10:00:00")],
                   comps=[comp("sfemp109", "2020-02-03", [pay("sfemp109", "2020-02-03", BASE, 2300.0, "USD", "BWK",
                                                              "2024-06-06T09:00:00")], "2024-06-06T09:00:00")])


# ---------------------------------------------------------------- HTTP pieces

TOKEN_HEADERS = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
DATA_HEADERS = {"Accept": "application/json", "Authorization": "Bearer <REDACTED>"}


def token(n: int = 1) -> dict[str, Any]:
    """The SAML bearer grant: the form fields, the assertion scrubbed; the answer's token a placeholder."""
    form = "&".join(f"{k}={v}" for k, v in (("client_id", "test-client-not-real"), ("company_id", "SFPART000000"),
                                             ("grant_type", "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Asaml2-bearer"),
                                             ("assertion", "<REDACTED>")))  # fmt: skip
    return {"request": request("POST", f"{HOST}/oauth/token", headers=TOKEN_HEADERS, body=form),
            "response": response(200, {"access_token": f"<REDACTED-ACCESS-TOKEN-{n}>", "token_type": "Bearer",
                                       "expires_in": 86399})}


def _url(params: dict[str, Any]) -> str:
    return str(httpx.URL(f"{API}/PerPerson", params=params))


def first_params(since: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"$format": "json", "paging": "snapshot", "$expand": EXPAND, **HISTORY,
                              "customPageSize": PAGE}
    if since is not None:
        params["$filter"] = CHANGED_SINCE.format(value=since)
    return params


def pages(records: list[dict[str, Any]], params: dict[str, Any], tag: str = "") -> list[dict[str, Any]]:
    """Snapshot pages: the first request as the connector sends it, then each ``__next`` followed exactly."""
    out, uri = [], _url(params)
    chunks = [records[i : i + PAGE] for i in range(0, len(records), PAGE)] or [[]]
    for index, chunk in enumerate(chunks):
        body: dict[str, Any] = {"d": {"results": chunk}}
        following = None
        if index < len(chunks) - 1:
            following = str(httpx.URL(_url(params)).copy_add_param("$skiptoken", f"<REDACTED-PAGE-{tag}{index + 2}>"))
            body["d"]["__next"] = following
        out.append({"request": request("GET", uri, headers=DATA_HEADERS), "response": response(200, body)})
        uri = following or uri
    return out


def odata_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return response(status, {"error": {"code": code, "message": {"lang": "en-US", "value": message}}},
                    headers=headers)


def retried() -> list[dict[str, Any]]:
    """The second page answered 429 (Retry-After: 1), then 503, before it is served."""
    listing = pages(PEOPLE, first_params())
    second = listing[1]["request"]
    return [token(), listing[0],
            {"request": second, "response": odata_error(429, "COE_GENERAL_SERVER_FAILURE",
                                                        "Rate limit exceeded; retry later", {"Retry-After": "1"})},
            {"request": second, "response": odata_error(503, "COE_GENERAL_SERVER_FAILURE",
                                                        "Service temporarily unavailable")},
            *listing[1:]]


def errors() -> list[dict[str, Any]]:
    """A 400 naming a bad property in $filter, a 401 for a refused token, a refused assertion."""
    bad = {"request": request("GET", _url({**first_params(), "$filter": "nosuch eq 1"}), headers=DATA_HEADERS),
           "response": odata_error(400, "COE_PROPERTY_NOT_FOUND",
                                   "[COE0021]Invalid property names: PerPerson/nosuch.")}
    refused_token = {"request": token()["request"],
                     "response": response(401, {"errorMessage": "Unable to validate the SAML assertion",
                                                "httpStatus": "Unauthorized"})}
    return [token(), bad, refused_token]


def cassettes() -> dict[str, list[dict[str, Any]]]:
    return {
        "employees": [token(), *pages(PEOPLE, first_params())],
        "resume": [token(), *pages([p for p in PEOPLE if latest_change(p) >= RESUMED], first_params(RESUMED), "R")],
        "retried": retried(),
        "malformed": [token(), *pages([PEOPLE[0], MALFORMED], first_params())],
        "errors": errors(),
    }


def main() -> None:
    write_cassettes(HERE, cassettes())
    prepared = [{**p, "_hub": {"modified": latest_change(p), **person_values(p, TODAY, BASE)}} for p in PEOPLE]
    write_json(MAPPING_FIXTURES / "employee.before.json", prepared)


if __name__ == "__main__":
    main()
