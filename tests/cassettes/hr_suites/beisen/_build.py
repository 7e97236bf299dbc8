"""Write the Beisen iTalent cassettes in this folder (run by hand; the YAML files are committed).

Why generated: every cassette is one small made-up tenant (organizations → employees → offers) read
through time windows, and each batch's request must carry exactly the window, capacity and scroll id
the connector sends, in order. Writing that by hand invites drift.

The protocol follows the open platform's document centre (docs/connectors/beisen.md): the form-encoded
``POST /OAuth/Token``, ``POST /TenantBaseExternal/api/v5/<Object>/GetByTimeWindow`` with a JSON body,
answers ``{code, message, scrollId, isLastData, total, data}`` with ``code`` "200" on success and
"417" on a refused call (HTTP 200 both), a window ended by an empty ``data`` (or ``isLastData``).
Times are China time without an offset. People are fictional (example.com, +1 415-555-01xx);
credentials and tokens are placeholders.

The connector these cassettes fit (tests/plugins/hr_suites/test_beisen_connector.py,
``RecordedBeisen``): capacity 2, history from 2024-01-01, "now" 2024-06-20 12:00 China time. The first
pass therefore reads two windows: 2024-01-01 → 2024-03-31 (90 days) and 2024-03-31 → 2024-06-20 12:00.

Usage::

    .venv/bin/python tests/cassettes/hr_suites/beisen/_build.py
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hub.testing.cassette_writer import request, response, write_cassettes

HERE = Path(__file__).resolve().parent
API = "https://openapi.italent.cn"
TOKEN_URL = f"{API}/OAuth/Token"
TENANT_ID, APP_ID, APP_KEY = "100000", "test-app-id", "test-app-key"
CAPACITY = 2
HISTORY_START = "2024-01-01T00:00:00"
#: The windows of a first pass (see the module docstring).
WINDOWS = (("2024-01-01T00:00:00", "2024-03-31T00:00:00"), ("2024-03-31T00:00:00", "2024-06-20T12:00:00"))
END = WINDOWS[-1][1]

#: Each stream's path and fixed request fields, as plugins/hr_suites/beisen.py sends them.
STREAMS: Mapping[str, tuple[str, Mapping[str, Any]]] = {
    "organizations": ("Organization/GetByTimeWindow", {"timeWindowQueryType": 1, "isWithDeleted": True}),
    "employees": ("Employee/GetByTimeWindow", {"timeWindowQueryType": 2, "isWithDeleted": True, "withDisabled": True,
                                               "isGetLatestRecord": False, "employType": [0, 2]}),
    "offers": ("Offer/GetByTimeWindow", {"timeWindowQueryType": 2, "isWithDeleted": True}),
}


# ---------------------------------------------------------------- the tenant


def _org(oid: int, name: str, parent: int | None, modified: str) -> dict[str, Any]:
    return {"oId": oid, "name": name, "shortName": None, "code": f"ORG{oid}", "pOIdOrgAdmin": parent, "status": 1,
            "createdTime": "2023-12-01T09:00:00", "modifiedTime": modified, "businessModifiedTime": modified,
            "stdIsDeleted": False, "objectId": f"00000000-0000-4000-8000-{oid:012d}"}


ROOT = 900_100_000  # the root organization: 900 + tenant id
ORGANIZATIONS = [
    _org(ROOT, "示例科技有限公司", None, "2024-02-01T10:00:00"),
    _org(4_700_001, "研发中心", ROOT, "2024-03-05T10:00:00"),
    _org(4_700_002, "人力资源部", ROOT, "2024-05-06T11:00:00"),
]


def _employee(n: int, modified: str, *, status: str, department: int, manager: int | None,
              entry: str = "2023-03-01T00:00:00", deleted: bool = False) -> dict[str, Any]:
    user_id = 101_500_000 + n
    info = {"userID": user_id, "name": f"测试员工{n}", "email": f"test.employee{n}@example.com",
            "mobilePhone": f"+1 415-555-01{n:02d}", "gender": n % 2, "birthday": "1990-05-0%dT00:00:00" % (n % 9 + 1),
            "businessModifiedTime": modified, "modifiedTime": modified, "stdIsDeleted": deleted,
            "objectId": f"00000000-0000-4000-9000-{user_id:012d}"}
    record = {"userID": user_id, "oIdDepartment": department, "oIdOrganization": ROOT, "jobNumber": f"E{1000 + n}",
              "entryDate": entry, "startDate": entry, "stopDate": "9999-12-31T00:00:00", "lastWorkDate": None,
              "employType": 0, "serviceType": 0, "approvalStatus": 4, "employeeStatus": status,
              "pOIdEmpAdmin": manager, "isCurrentRecord": True, "businessModifiedTime": modified,
              "modifiedTime": modified, "stdIsDeleted": deleted}
    return {"originalId": None, "employeeInfo": info, "recordInfo": record}


BOSS = 101_500_001
EMPLOYEES = [  # window 1: five (three batches of two, then the empty batch that ends it); window 2: two
    _employee(1, "2024-01-10T09:00:00", status="3", department=4_700_001, manager=None, entry="2020-01-06T00:00:00"),
    _employee(2, "2024-01-22T09:30:00", status="3", department=4_700_001, manager=BOSS),
    _employee(3, "2024-02-14T14:00:00", status="2", department=4_700_001, manager=BOSS, entry="2024-02-01T00:00:00"),
    _employee(4, "2024-03-01T08:45:00", status="8", department=4_700_002, manager=BOSS),
    _employee(5, "2024-03-20T16:10:00", status="3", department=4_700_002, manager=BOSS),
    _employee(6, "2024-05-08T10:00:00", status="1", department=4_700_002, manager=BOSS, entry="2024-07-01T00:00:00"),
    _employee(7, "2024-06-18T10:30:00", status="3", department=4_700_001, manager=BOSS),
]
#: What a second run reads: from the latest businessModifiedTime of the first (the boundary record comes
#: again: the window's start is inclusive) to its own "now", with one employee changed since.
RESUMED = max(e["employeeInfo"]["businessModifiedTime"] for e in EMPLOYEES)
CHANGED = _employee(8, "2024-06-19T15:00:00", status="1", department=4_700_001, manager=BOSS,
                    entry="2024-07-15T00:00:00")


def _offer(n: int, modified: str, status: str, salary: Any) -> dict[str, Any]:
    return {"objectId": f"00000000-0000-4000-a000-{n:012d}", "userID": 101_500_000 + n, "iDNumber": None,
            "offerStatus": status, "approvalStatus": 4, "businessModifiedTime": modified, "modifiedTime": modified,
            "stdIsDeleted": False, "customProperties": {"extshiyongqixinzi_100000_1": salary}}


OFFERS = [_offer(6, "2024-02-20T10:00:00", "已接受", 18000), _offer(8, "2024-03-10T11:00:00", "已发送", "21000.50")]
#: An offer whose status is no label the offer mapping knows: a dead letter naming offerStatus.
MALFORMED_OFFER = {**_offer(9, "2024-03-12T11:00:00", "unknown-status", 15000)}


# ---------------------------------------------------------------- HTTP pieces


def token_interaction(n: int = 1, *, app_key: bool = False) -> dict[str, Any]:
    """The form-encoded token request: tenant id, app id and secret to /OAuth/Token, or (``app_key``) app
    key and secret to /token. Secrets are placeholders, the answer's token too."""
    if app_key:
        uri, fields = f"{API}/token", {"grant_type": "client_credentials", "app_key": APP_KEY, "app_secret": "<REDACTED>"}
    else:
        uri, fields = TOKEN_URL, {"grant_type": "client_credentials", "tenant_id": TENANT_ID, "app_id": APP_ID,
                                  "secret": "<REDACTED>"}
    answer = {"access_token": f"<REDACTED-ACCESS-TOKEN-{n}>", "token_type": "bearer", "expires_in": 7200}
    return {"request": request("POST", uri, body=urlencode(fields),
                               headers={"Content-Type": "application/x-www-form-urlencoded"}),
            "response": response(200, answer)}


def _body(stream: str, start: str, stop: str, scroll: str) -> str:
    """The JSON body the connector sends, key for key (httpx writes compact, non-ASCII kept)."""
    fields = {**STREAMS[stream][1], "capacity": CAPACITY, "startTime": start, "scrollId": scroll, "stopTime": stop}
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False)


def _call(stream: str, start: str, stop: str, scroll: str, answer: Any, *, status: int = 200,
          headers: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    uri = f"{API}/TenantBaseExternal/api/v5/{STREAMS[stream][0]}"
    sent = request("POST", uri, body=_body(stream, start, stop, scroll),
                   headers={"Accept": "application/json", "Content-Type": "application/json",
                            "Authorization": "Bearer <REDACTED>"})
    return {"request": sent, "response": response(status, answer, headers=headers)}


def _ok(records: Sequence[Any], scroll: str, *, last: bool, total: int) -> dict[str, Any]:
    return {"code": "200", "message": "", "scrollId": scroll, "isLastData": last, "total": total, "data": list(records)}


def window(stream: str, start: str, stop: str, records: Sequence[Any], *, flag_last: bool = False) -> list[dict[str, Any]]:
    """One window scrolled in batches of CAPACITY: the first batch with an empty scroll id, every later one
    with the scroll id the previous answer gave; it ends with an empty batch (how the document centre
    says a scroll ends), or with ``flag_last`` on the last batch of records (``isLastData``, deprecated)."""
    batches = [list(records[i : i + CAPACITY]) for i in range(0, len(records), CAPACITY)]
    if not flag_last or not batches:
        batches.append([])
    scroll_id = f"scroll-{stream}-{start[:10]}"
    out, sent_scroll = [], ""
    for number, batch in enumerate(batches, 1):
        last = number == len(batches)
        out.append(_call(stream, start, stop, sent_scroll, _ok(batch, "" if last else scroll_id, last=last and flag_last,
                                                                total=len(records))))
        sent_scroll = scroll_id
    return out


def in_window(records: Sequence[dict[str, Any]], key: str, start: str, stop: str) -> list[dict[str, Any]]:
    """The records whose modification time (dotted ``key``) lies in ``[start, stop)``, as Beisen filters them."""
    def moment(record: dict[str, Any]) -> str:
        value: Any = record
        for part in key.split("."):
            value = value[part]
        return value

    return [r for r in records if start <= moment(r) < stop]


def full_pass(stream: str, records: Sequence[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Every window of a first pass; the second window ends with ``isLastData`` on its last batch."""
    return [item for number, (start, stop) in enumerate(WINDOWS)
            for item in window(stream, start, stop, in_window(records, key, start, stop), flag_last=number == 1)]


EMPLOYEE_TIME = "employeeInfo.businessModifiedTime"


def scroll_expired() -> list[dict[str, Any]]:
    """The employees' first pass with the first window's scroll expired at its second batch: Beisen answers
    417 (HTTP 200) and the connector reads that window again from its first batch."""
    start, stop = WINDOWS[0]
    first = window("employees", start, stop, in_window(EMPLOYEES, EMPLOYEE_TIME, start, stop))
    expired = _call("employees", start, stop, f"scroll-employees-{start[:10]}",
                    {"code": "417", "message": "scrollId已失效，请重新查询", "scrollId": None, "isLastData": False,
                     "total": 0, "data": None})
    rest = full_pass("employees", EMPLOYEES, EMPLOYEE_TIME)
    return [token_interaction(), first[0], expired, *rest]


def retried() -> list[dict[str, Any]]:
    """The organizations' first pass, its first batch answered 429 (``Retry-After: 1``), then 502, before it is served."""
    listing = full_pass("organizations", ORGANIZATIONS, "modifiedTime")
    first = listing[0]["request"]
    throttled = {"request": first, "response": response(429, {"message": "too many requests"},
                                                        headers={"Retry-After": ["1"]})}
    unavailable = {"request": first, "response": response(502, "<html><body>502 Bad Gateway</body></html>",
                                                          content={"Content-Type": ["text/html"]})}
    return [token_interaction(), throttled, unavailable, *listing]


def refused() -> list[dict[str, Any]]:
    """The offers' first batch refused with code 417 on HTTP 200: the connector lacks the object's
    permission (the message as the document centre quotes it)."""
    start, stop = WINDOWS[0]
    return [token_interaction(), _call("offers", start, stop, "", {
        "code": "417", "message": "access denied! no permission for object 'Offer'", "scrollId": None,
        "isLastData": False, "total": 0, "data": None})]


def cassettes() -> dict[str, list[dict[str, Any]]]:
    """File stem → interactions, in the order a client sends them."""
    resumed = in_window([*EMPLOYEES, CHANGED], EMPLOYEE_TIME, RESUMED, "2024-06-20T12:00:00")
    return {
        "organizations": [token_interaction(), *full_pass("organizations", ORGANIZATIONS, "modifiedTime")],
        "employees": [token_interaction(), *full_pass("employees", EMPLOYEES, EMPLOYEE_TIME)],
        "offers": [token_interaction(), *full_pass("offers", OFFERS, "businessModifiedTime")],
        # the standard suite: a run resumed from the cursor the employees cassette leaves (one window,
        # the boundary employee again and one changed since), a 429 and a 5xx retried, a refused offer
        "resume": [token_interaction(), *window("employees", RESUMED, END, resumed, flag_last=True)],
        "retried": retried(),
        "malformed": [token_interaction(), *full_pass("offers", [*OFFERS, MALFORMED_OFFER], "businessModifiedTime")],
        "scroll_expired": scroll_expired(),
        # a run killed after the first window's last batch resumes at the second window
        "next_window": [token_interaction(), *full_pass("employees", EMPLOYEES, EMPLOYEE_TIME)[4:]],
        "refused": refused(),
        # the other token request: app key and secret to /token
        "app_key_token": [token_interaction(app_key=True), *full_pass("organizations", ORGANIZATIONS, "modifiedTime")],
    }


def main() -> None:
    write_cassettes(HERE, cassettes())


if __name__ == "__main__":
    main()
