"""Every role against every endpoint, with records inside and outside its scope (issue 33, point 5).

The endpoints come from the served OpenAPI document, so an endpoint added later that has no row here
fails the test instead of going unchecked. Each row knows what a kind of endpoint owes every caller:

* a list (``/v1/{kinds}``) returns exactly the records in scope, counts only them, and a filter that
  names only records outside the scope answers like one that names nothing;
* a record (``/v1/{kinds}/{id}``) outside the scope answers exactly like a missing one (status and body);
* a look-up (``/v1/lookup``) finds nothing outside the scope, and says so like for an unknown value;
* the change feed (``/v1/changes`` and its streams) carries exactly the changes of records in scope;
* ``/v1/webhooks/{connector}`` answers the same whatever token is sent (vendors sign, tokens do not count).

Across all of them: no PII value of the seed appears in any answer to a token without ``pii:read``;
each answer that shows a record's PII in plaintext has its audit entry. Expired, revoked and unknown
tokens get the same 401 everywhere a token is needed (no token at all: a 401 too). The expected scopes are written out by hand
below (not computed by the code under test).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.api.conftest import HubServer
from tests.api.seeds import PII_VALUES, SYSTEM, seed

PLURALS = {"candidates": "candidate", "jobs": "job", "applications": "application", "interviews": "interview",
           "assessments": "assessment",
           "feedback": "feedback", "offers": "offer", "employees": "employee", "departments": "department",
           "payslips": "payslip"}
KIND_OF_LABEL = {"dep": "department", "job": "job", "cand": "candidate", "emp": "employee", "app": "application",
                 "iv": "interview", "as": "assessment", "fb": "feedback", "of": "offer", "pay": "payslip"}
EVERYTHING = {f"{prefix}-{side}" for prefix in KIND_OF_LABEL for side in "ab"}

#: caller → (role, scope, pii_read, the labels of the records it may see).
CALLERS: dict[str, tuple[str, dict[str, Any], set[str]]] = {
    "hr_admin": ("hr_admin", {}, EVERYTHING),
    "hr_admin_pii": ("hr_admin", {"pii_read": True}, EVERYTHING),
    "department_head": ("department_head", {"departments": ["销售部"]}, {"app-a", "iv-a", "as-a", "fb-a", "of-a"}),
    "department_head_pii": ("department_head", {"departments": ["销售部"], "pii_read": True},
                            {"app-a", "iv-a", "as-a", "fb-a", "of-a"}),
    "interviewer": ("interviewer", {"interviewer": "王面试"}, {"as-a", "cand-a"}),
    "system": ("system", {"kinds": ["offer", "job"]}, {"of-a", "of-b", "job-a", "job-b"}),
    "personal": ("personal", {}, {"as-a", "fb-a"}),  # subject: candidate A, filled in once seeded
}
UNAUTHENTICATED = ("expired", "revoked", "unknown", "no token")

#: Filter values per parameter name: the "b" side is outside every narrow caller's scope.
FILTER_LABELS = {"job": "job", "job_id": "job", "candidate": "cand", "candidate_id": "cand",
                 "application": "app", "application_id": "app"}
FILTER_VALUES = {"department": ("销售部", "研发部"), "interviewer": ("王面试", "赵面试"), "system": (SYSTEM, SYSTEM),
                 "status": ("interviewing", "sent")}
PAGING = {"cursor", "limit", "page_size", "after", "kinds", "kind", "wait", "timeout", "wait_seconds"}
NARROW = ("department_head", "department_head_pii", "interviewer", "personal")


@dataclass
class World:
    server: HubServer
    ids: dict[str, str]
    tokens: dict[str, str | None]
    label_of: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: (caller, response text) of every answer, for the PII check at the end.
    answers: list[tuple[str, str]] = field(default_factory=list)
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def call(self, caller: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if caller not in self.clients:
            self.clients[caller] = self.server.client(self.tokens[caller])
        response = self.clients[caller].request(method, url, **kwargs)
        self.answers.append((caller, response.text))
        return response

    def problem(self, caller: str, method: str, path: str, text: str) -> None:
        self.problems.append(f"{caller:>20} {method} {path}: {text}")

    def visible(self, caller: str, kind: str | None = None) -> set[str]:
        return {self.ids[label] for label in CALLERS[caller][2] if kind is None or KIND_OF_LABEL[label.split("-")[0]] == kind}

    def of_kind(self, kind: str) -> list[str]:
        return [label for label in self.ids if KIND_OF_LABEL[label.split("-")[0]] == kind]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    server = HubServer(tmp_path_factory.mktemp("matrix"), config={"service": {"rate_limit_per_minute": 1_000_000}})
    server.start()
    ids = seed(server.store)
    tokens: dict[str, str | None] = {"no token": None, "unknown": "hub_" + "x" * 43}
    for caller, (role, scope, _) in CALLERS.items():
        scope = {**scope, "subject": ids["cand-a"]} if role == "personal" else scope
        tokens[caller] = server.token(role, name=caller, **scope)
    tokens["revoked"] = server.token("hr_admin", name="revoked", pii_read=True)
    server.store.api_tokens.revoke("revoked")
    tokens["expired"] = server.token("hr_admin", name="expired", pii_read=True, days=1 / 86400)
    time.sleep(1.2)  # past the expired token's one second
    world = World(server, ids, tokens, {hub_id: label for label, hub_id in ids.items()})
    yield world
    for client in world.clients.values():
        client.close()
    server.stop()


# ---- reading answers -----------------------------------------------------------------------------

def record_id(item: dict[str, Any]) -> str | None:
    """The hub id an item of a list, a look-up or the change feed is about."""
    for candidate in (item.get("entity_id"), item.get("id"), (item.get("entity") or {}).get("id"),
                      (item.get("data") or {}).get("id") if isinstance(item.get("data"), dict) else None):
        if isinstance(candidate, str):
            return candidate
    return None


def items_of(body: Any) -> list[dict[str, Any]]:
    return body.get("items", []) if isinstance(body, dict) else []


def same_answer(first: httpx.Response, second: httpx.Response, first_value: str, second_value: str) -> bool:
    """The same status and body, once each names its own requested value the same way."""
    return (first.status_code == second.status_code
            and first.text.replace(first_value, "<asked>") == second.text.replace(second_value, "<asked>"))


def refused_unauthenticated(world: World, method: str, path: str, url: str, **kwargs: Any) -> None:
    answers = {caller: world.call(caller, method, url, **kwargs) for caller in UNAUTHENTICATED}
    for caller, answer in answers.items():
        if answer.status_code != 401:
            world.problem(caller, method, path, f"expected 401, got {answer.status_code}")
    if len({answers[caller].text for caller in ("expired", "revoked", "unknown")}) > 1:
        world.problem("expired/revoked", method, path, "answered unlike an unknown token (it tells which it was)")


def query_params(operation: dict[str, Any]) -> list[str]:
    return [param["name"] for param in operation.get("parameters", ()) if param["in"] == "query"]


# ---- the rows of the matrix ----------------------------------------------------------------------

def check_public(world: World, method: str, path: str, operation: dict[str, Any]) -> None:
    for caller in world.tokens:
        if (status := world.call(caller, method, path).status_code) != 200:
            world.problem(caller, method, path, f"a public endpoint answered {status}")


def check_whoami(world: World, method: str, path: str, operation: dict[str, Any]) -> None:
    refused_unauthenticated(world, method, path, path)
    for caller in CALLERS:
        answer = world.call(caller, method, path)
        if answer.status_code != 200 or answer.json().get("name") != caller:
            world.problem(caller, method, path, f"got {answer.status_code} {answer.text[:80]}")


def pages(world: World, caller: str, url: str, params: dict[str, Any]) -> Iterator[httpx.Response]:
    """The answers of a list followed by its ``next_cursor`` (at most 50 pages)."""
    for _ in range(50):
        answer = world.call(caller, "GET", url, params=params)
        yield answer
        cursor = answer.json().get("next_cursor") if answer.status_code == 200 else None
        if not cursor:
            return
        params = {**params, "cursor": cursor}


def listed(world: World, caller: str, url: str, params: dict[str, Any]) -> tuple[int, list[str], list[Any]]:
    """Status of the first page, every id over all pages, and the counts the pages state."""
    ids: list[str] = []
    counts: list[Any] = []
    status = 0
    for answer in pages(world, caller, url, params):
        status = status or answer.status_code
        if answer.status_code != 200:
            break
        body = answer.json()
        ids += [record_id(item) for item in items_of(body)]
        counts += [body[key] for key in ("total", "count") if key in body]
    return status, ids, counts


def check_list(world: World, method: str, path: str, operation: dict[str, Any], kind: str, url: str) -> None:
    refused_unauthenticated(world, method, path, url)
    for caller in CALLERS:
        expected = world.visible(caller, kind)
        status, ids, counts = listed(world, caller, url, {})
        if not expected and status == 403:
            continue  # the role may not read this kind at all: refusing says nothing about any record
        if status != 200:
            world.problem(caller, method, url, f"list answered {status}")
            continue
        if Counter(ids) != Counter(expected):
            world.problem(caller, method, url, f"listed {sorted(world.label_of.get(i, str(i)) for i in ids)}, "
                                               f"in scope {sorted(world.label_of[i] for i in expected)}")
        if any(count != len(expected) for count in counts):
            world.problem(caller, method, url, f"counted {counts}, in scope {len(expected)}")
        check_filters(world, caller, method, url, operation, expected)


def filter_values(world: World, name: str) -> tuple[str, str] | None:
    """(a value naming side a, a value naming side b) for a filter parameter, None if unknown."""
    if name in FILTER_LABELS:
        return world.ids[f"{FILTER_LABELS[name]}-a"], world.ids[f"{FILTER_LABELS[name]}-b"]
    return FILTER_VALUES.get(name)


def check_filters(world: World, caller: str, method: str, url: str, operation: dict[str, Any],
                  expected: set[str]) -> None:
    for name in query_params(operation):
        if name in PAGING or (values := filter_values(world, name)) is None:
            continue
        seen: dict[str, list[str]] = {}
        for value in values:
            status, ids, counts = listed(world, caller, url, {name: value})
            seen[value] = ids
            if status == 200 and not set(ids) <= expected:
                world.problem(caller, method, url, f"filter {name}={value} revealed records outside the scope")
            if status == 200 and any(count > len(expected) for count in counts):
                world.problem(caller, method, url, f"filter {name}={value} counted records outside the scope")
        # a value that names something in scope too (both sides' offers are "sent") answers with it, rightly
        if caller in NARROW and values[1] != values[0] and not seen[values[1]]:
            nothing = "no-such-" + uuid.uuid4().hex
            outside = world.call(caller, method, url, params={name: values[1]})
            missing = world.call(caller, method, url, params={name: nothing})
            if not same_answer(outside, missing, values[1], nothing):
                world.problem(caller, method, url, f"filter {name} on a record outside the scope answers "
                                                   "unlike one on nothing")


def check_item(world: World, method: str, path: str, operation: dict[str, Any], kind: str, template: str) -> None:
    missing_id = str(uuid.uuid4())
    refused_unauthenticated(world, method, path, template.format(world.ids[world.of_kind(kind)[0]]))
    for caller in CALLERS:
        missing = world.call(caller, method, template.format(missing_id))
        if missing.status_code not in (403, 404):
            world.problem(caller, method, path, f"a missing record answered {missing.status_code}")
        for label in world.of_kind(kind):
            hub_id = world.ids[label]
            answer = world.call(caller, method, template.format(hub_id))
            if hub_id in world.visible(caller):
                if answer.status_code != 200 or record_id(answer.json()) != hub_id:
                    world.problem(caller, method, path, f"{label} in scope answered {answer.status_code}")
            elif not same_answer(answer, missing, hub_id, missing_id):
                world.problem(caller, method, path, f"{label} outside the scope answered {answer.status_code} "
                                                    f"unlike a missing record ({missing.status_code})")


def lookup_queries(world: World, params: list[str]) -> Iterator[tuple[str, dict[str, str], dict[str, str]]]:
    """(label, query finding that record, the same query for nothing) for each form the look-up takes."""
    nobody = "nobody-" + uuid.uuid4().hex[:8]
    if {"system", "external_id"} <= set(params):
        for label in world.ids:
            yield label, {"system": SYSTEM, "external_id": label}, {"system": SYSTEM, "external_id": nobody}
    for side in "ab":
        name, phone, email = PII_VALUES[f"cand-{side}"]
        for field_name, value, other in (("phone", phone, "+8613000000000"), ("email", email, "nobody@example.com")):
            for spelled in (field_name, field_name + "s"):
                if spelled in params:
                    yield f"cand-{side}", {spelled: value}, {spelled: other}
            if {"field", "value"} <= set(params):
                yield f"cand-{side}", {"field": field_name, "value": value}, {"field": field_name, "value": other}


def check_lookup(world: World, method: str, path: str, operation: dict[str, Any]) -> None:
    queries = list(lookup_queries(world, query_params(operation)))
    if not queries:
        world.problem("-", method, path, f"no known look-up form in its parameters {query_params(operation)}")
        return
    refused_unauthenticated(world, method, path, path, params=queries[0][1])
    for caller in CALLERS:
        for label, query, nothing in queries:
            answer = world.call(caller, method, path, params=query)
            found = {record_id(item) for item in items_of(answer.json())} if answer.status_code == 200 else set()
            if not found <= world.visible(caller):
                world.problem(caller, method, path, f"look-up of {label} revealed records outside the scope")
            if world.ids[label] not in world.visible(caller):
                asked = next(iter(query.values())) if len(query) == 1 else query.get("external_id", query.get("value"))
                blank = next(iter(nothing.values())) if len(nothing) == 1 else nothing.get("external_id", nothing.get("value"))
                if not same_answer(answer, world.call(caller, method, path, params=nothing), asked, blank):
                    world.problem(caller, method, path, f"look-up of {label} outside the scope answers unlike nothing")


def followed(world: World, caller: str, path: str, operation: dict[str, Any]) -> tuple[int, set[str]]:
    params = query_params(operation)
    query: dict[str, Any] = {name: 0 for name in ("wait", "timeout", "wait_seconds") if name in params}
    if "after" in params:
        query["after"] = 0
    seen: set[str] = set()
    for _ in range(50):
        answer = world.call(caller, "GET", path, params=query)
        if answer.status_code != 200:
            return answer.status_code, seen
        body = answer.json()
        items = items_of(body)
        seen |= {record_id(item) for item in items}
        if body.get("next_cursor") and "cursor" in params:
            query["cursor"] = body["next_cursor"]
        elif items and "after" in params and isinstance(items[-1].get("seq"), int):
            query["after"] = items[-1]["seq"]
        else:
            break
    return 200, seen


def check_changes(world: World, method: str, path: str, operation: dict[str, Any]) -> None:
    refused_unauthenticated(world, method, path, path)
    for caller in CALLERS:
        status, seen = followed(world, caller, path, operation)
        if status == 200 and seen != world.visible(caller):
            world.problem(caller, method, path, f"followed {sorted(world.label_of.get(i, str(i)) for i in seen)}, "
                                                f"in scope {sorted(world.label_of[i] for i in world.visible(caller))}")
        elif status != 200:
            world.problem(caller, method, path, f"answered {status}")


def streamed(world: World, caller: str, path: str) -> tuple[int, set[str]]:
    """The records of the events a stream sends until it is quiet for two seconds."""
    seen: set[str] = set()
    headers = {"Authorization": f"Bearer {world.tokens[caller]}"} if world.tokens[caller] else {}
    try:
        with httpx.stream("GET", world.server.url + path, params={"after": 0}, headers=headers,
                          timeout=httpx.Timeout(10, read=2)) as answer:
            if answer.status_code != 200:
                return answer.status_code, seen
            for line in answer.iter_lines():
                if line.startswith("data:"):
                    event = json.loads(line[5:])
                    world.answers.append((caller, line))
                    seen |= {record_id(event)} if isinstance(event, dict) else set()
    except httpx.ReadTimeout:
        pass
    return 200, seen


def check_stream(world: World, method: str, path: str, operation: dict[str, Any]) -> None:
    for caller in UNAUTHENTICATED:
        if (status := streamed(world, caller, path)[0]) != 401:
            world.problem(caller, method, path, f"expected 401, got {status}")
    for caller in CALLERS:
        status, seen = streamed(world, caller, path)
        if status != 200 or not seen - {None} <= world.visible(caller):
            world.problem(caller, method, path, f"answered {status} with records outside the scope")


def check_webhook(world: World, method: str, path: str, operation: dict[str, Any]) -> None:
    for connector in ("greenhouse", "no-such-connector"):
        url = re.sub(r"\{[^}]+\}", connector, path)
        answers = {caller: world.call(caller, method, url, json={"event": "x"}) for caller in world.tokens}
        if any(answer.status_code < 400 for answer in answers.values()):
            world.problem("-", method, url, "an unsigned webhook was accepted")
        if len({(answer.status_code, answer.text) for answer in answers.values()}) > 1:
            world.problem("-", method, url, "the answer depends on the bearer token sent")


def row_of(method: str, path: str) -> Any:
    """The check for one endpoint of the OpenAPI document (None: it has no row in the matrix)."""
    fixed = {("GET", "/v1/health"): check_public, ("GET", "/v1/token"): check_whoami,
             ("GET", "/v1/lookup"): check_lookup, ("GET", "/v1/changes"): check_changes}
    if (method, path) in fixed:
        return fixed[method, path]
    if method == "GET" and path.startswith("/v1/changes/"):
        return check_stream
    if method in ("GET", "POST") and re.fullmatch(r"/v1/webhooks/\{[^}]+\}", path):  # a delivery, a URL check
        return check_webhook
    if method == "GET" and (match := re.fullmatch(r"/v1/([^/]+)(/\{[^}]+\})?", path)):
        segment, item = match.groups()
        plurals = list(PLURALS) if segment.startswith("{") else [segment] if segment in PLURALS else []
        if plurals:
            def check(world: World, method: str, path: str, operation: dict[str, Any]) -> None:
                for plural in plurals:
                    if item:
                        check_item(world, method, path, operation, PLURALS[plural], f"/v1/{plural}/{{}}")
                    else:
                        check_list(world, method, path, operation, PLURALS[plural], f"/v1/{plural}")
            return check
    return None


# ---- the test ------------------------------------------------------------------------------------

def test_every_role_against_every_endpoint_sees_only_its_scope(world: World) -> None:
    document = httpx.get(world.server.url + "/v1/openapi.json").json()
    endpoints = [(method.upper(), path, operation) for path, methods in document["paths"].items()
                 for method, operation in methods.items()]
    without_row = [f"{method} {path}" for method, path, _ in endpoints if row_of(method, path) is None]
    assert without_row == [], "endpoints without a row in the access matrix: add one"
    for method, path, operation in endpoints:
        row_of(method, path)(world, method, path, operation)
    check_pii(world)
    assert world.problems == [], "\n" + "\n".join(world.problems)


def check_pii(world: World) -> None:
    """No plaintext PII to a token without pii:read; an audit entry for each answer that showed some."""
    shown: Counter[tuple[str, str]] = Counter()
    for caller, text in world.answers:
        for label, values in PII_VALUES.items():
            if any(value in text for value in values):
                if caller not in CALLERS or not CALLERS[caller][1].get("pii_read"):
                    world.problem(caller, "-", "-", f"an answer shows {label}'s PII in plaintext")
                else:
                    shown[caller, label] += 1
    for (caller, label), times in shown.items():
        audited = [entry for entry in world.server.store.audit_entries(world.ids[label])
                   if entry["actor"] == f"token:{caller}"]
        if len(audited) < times:
            world.problem(caller, "-", "-", f"{label}'s PII shown {times} times, audited {len(audited)}")
