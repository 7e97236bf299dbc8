"""The Greenhouse Harvest v3 cassettes: loadable, scrubbed, consistent, and true to the v3 protocol.

The cassettes are the recorded conversation the Greenhouse connector's contract tests replay, so they
must hold what https://harvestdocs.greenhouse.io says the wire looks like: a client-credentials token
request to auth.greenhouse.io, bare JSON arrays, a ``Link: <…?cursor=…>; rel="next"`` header whose
URL carries the cursor and nothing else, and the ``updated_at=gte|<ISO 8601>`` incremental filter.
They must also never hold a credential or a real person. The replay tests drive the cassettes through
the hub's own OAuth2 authenticator and Link-header paginator, so a cassette the real client cannot
follow fails here, not in the connector's tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import vcr
from vcr.persisters.filesystem import FilesystemPersister
from vcr.serializers import yamlserializer

from hub.core.auth import OAuth2ClientCredentials
from hub.core.paginators import LinkHeaderPaginator, PageRequest, parse_link_header, select_records

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "hr_suites" / "greenhouse"
FILES = sorted(CASSETTES.glob("*.yaml"))
TOKEN_URL = "https://auth.greenhouse.io/token"
API = "https://harvest.greenhouse.io/v3/"
JWT = re.compile(r"eyJ[\w-]{5,}\.[\w-]{5,}")
PLACEHOLDER_TOKEN = re.compile(r"^<REDACTED-ACCESS-TOKEN-\d+>$")
# Harvest v3 list endpoints: first request 1 <= per_page <= 500 (OpenAPI); later ones cursor only.
MAX_PER_PAGE = 500


def load(path: Path) -> list[tuple[Any, dict[str, Any]]]:
    requests, responses = FilesystemPersister.load_cassette(str(path), yamlserializer)
    return list(zip(requests, responses, strict=True))


def body_json(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]["string"])


def records(stem: str, resource: str) -> list[dict[str, Any]]:
    """Every record the cassette ``stem`` returns for ``/v3/<resource>`` list requests."""
    out: list[dict[str, Any]] = []
    for request, response in load(CASSETTES / f"{stem}.yaml"):
        if urlsplit(request.uri).path == f"/v3/{resource}" and response["status"]["code"] == 200:
            out.extend(body_json(response))
    return out


def test_the_expected_cassettes_exist() -> None:
    stems = {path.stem for path in FILES}
    assert stems >= {"candidates", "applications", "scorecards", "offers", "jobs", "departments",
                     "incremental", "rate_limited", "token_refresh", "errors"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_cassette_loads_and_talks_only_to_greenhouse_v3(path: Path) -> None:
    interactions = load(path)
    assert interactions, "a cassette with no interactions replays nothing"
    for request, _ in interactions:
        assert request.uri == TOKEN_URL or request.uri.startswith(API), request.uri


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_cassette_holds_no_secret(path: Path) -> None:
    assert not JWT.search(path.read_text(encoding="utf-8")), "a JWT-like token is in the cassette"
    for request, response in load(path):
        auth = request.headers.get("Authorization")
        if request.uri == TOKEN_URL:
            assert auth == "Basic <REDACTED>"
            body = request.body.decode() if isinstance(request.body, bytes) else request.body
            form = dict(parse_qsl(body))
            assert form.keys() == {"grant_type", "sub"} and form["grant_type"] == "client_credentials"
            assert form["sub"].isdigit(), "sub is a numeric Greenhouse user id"
            assert PLACEHOLDER_TOKEN.match(body_json(response)["access_token"])
        else:
            assert auth == "Bearer <REDACTED>"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_next_links_carry_only_the_cursor_and_are_followed_exactly(path: Path) -> None:
    pending: dict[str, str] = {}  # path -> next URL announced by the previous page
    for request, response in load(path):
        parts = urlsplit(request.uri)
        query = parse_qsl(parts.query)
        if parts.path in pending:
            assert request.uri == pending.pop(parts.path), "the Link URL must be requested unchanged"
        if any(name == "cursor" for name, _ in query):
            assert len(query) == 1, f"cursor must be the only query parameter: {request.uri}"
        elif request.uri != TOKEN_URL and parts.path.count("/") == 2:  # a first list request
            assert 1 <= int(dict(query).get("per_page", "100")) <= MAX_PER_PAGE or response["status"]["code"] == 422
        link = response["headers"].get("Link")
        if link:
            (next_url,) = (parse_link_header(value)["next"] for value in link)
            assert list(dict(parse_qsl(urlsplit(next_url).query))) == ["cursor"]
            pending[urlsplit(next_url).path] = next_url
    assert not pending, f"a next link was announced but never followed: {pending}"


def test_incremental_request_uses_the_v3_updated_at_filter() -> None:
    ((_, token), (request, response)) = load(CASSETTES / "incremental.yaml")
    params = dict(parse_qsl(urlsplit(request.uri).query))
    operator, _, since = params["updated_at"].partition("|")
    assert operator == "gte" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", since)
    assert all(record["updated_at"] >= since for record in body_json(response))


def test_ids_agree_across_cassettes() -> None:
    departments = {d["id"] for d in records("departments", "departments")}
    jobs = {j["id"]: j for j in records("jobs", "jobs")}
    candidates = {c["id"] for c in records("candidates", "candidates")}
    applications = {a["id"]: a for a in records("applications", "applications")}
    scorecards = {s["id"]: s for s in records("scorecards", "scorecards")}
    attributes = {a["id"]: a for a in records("scorecards", "job_candidate_attributes")}
    assert {d["parent_id"] for d in records("departments", "departments")} - {None} <= departments
    assert {j["department_id"] for j in jobs.values()} <= departments
    assert {a["candidate_id"] for a in applications.values()} == candidates
    assert {a["job_id"] for a in applications.values()} - {None} <= set(jobs)
    assert {s["application_id"] for s in scorecards.values()} <= set(applications)
    for rating in records("scorecards", "scorecard_candidate_attributes"):
        scorecard = scorecards[rating["scorecard_id"]]
        job_id = applications[scorecard["application_id"]]["job_id"]
        assert attributes[rating["job_candidate_attribute_id"]]["job_id"] == job_id
    for offer in records("offers", "offers"):
        application = applications[offer["application_id"]]
        assert (offer["candidate_id"], offer["job_id"]) == (application["candidate_id"], application["job_id"])


def test_people_are_made_up() -> None:
    for candidate in records("candidates", "candidates"):
        assert candidate["first_name"] == "Test" and candidate["last_name"].startswith("Candidate ")
        assert all(e["value"].endswith("@example.com") for e in candidate["email_addresses"])
        assert all(re.search(r"555-01\d\d$", p["value"]) for p in candidate["phone_numbers"])


def test_offers_cover_every_documented_salary_shape() -> None:
    shapes = {o["custom_fields"]["salary"]["type"]: o["custom_fields"]["salary"]["value"] for o in records("offers", "offers")}
    assert shapes["short_text"] == "Around $100k"
    assert set(shapes["currency"]) == {"amount", "unit"}
    assert set(shapes["currency_range"]) == {"min_value", "max_value", "unit"}


def test_error_cassettes_hold_the_documented_bodies() -> None:
    throttled = [r for _, r in load(CASSETTES / "rate_limited.yaml") if r["status"]["code"] == 429]
    assert throttled and float(throttled[0]["headers"]["Retry-After"][0]) >= 0
    by_code = {r["status"]["code"]: body_json(r) for _, r in load(CASSETTES / "errors.yaml")}
    assert by_code[404] == {"message": "Resource not found"}
    assert by_code[422]["errors"][0]["field"] == "per_page"


# ---------------------------------------------------------------- replayed through the hub's client


def _auth(clock: float = 1_718_000_000.0) -> OAuth2ClientCredentials:
    """Client credentials as configured in hub.yaml; the clock sits before the recorded expires_at."""
    return OAuth2ClientCredentials(TOKEN_URL, "client-id", "client-secret", extra={"sub": "4080"}, clock=lambda: clock)


def _sync(stem: str, path: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    paginator = LinkHeaderPaginator()
    got: list[dict[str, Any]] = []
    with vcr.use_cassette(str(CASSETTES / f"{stem}.yaml"), record_mode="none") as cassette, \
            httpx.Client(base_url="https://harvest.greenhouse.io/v3", auth=_auth()) as client:
        page: PageRequest | None = paginator.init_request(PageRequest(path, params))
        while page is not None:
            response = client.get(page.url, params=page.params or None)
            response.raise_for_status()
            batch = select_records(response.json(), None)
            paginator.update_state(response, batch)
            got.extend(batch)
            page = paginator.next_request()
    return got, cassette


@pytest.mark.parametrize(
    ("stem", "path", "count"),
    [("candidates", "/candidates", 5), ("applications", "/applications", 5), ("scorecards", "/scorecards", 4),
     ("offers", "/offers", 3), ("jobs", "/jobs", 3), ("departments", "/departments", 3)],
)
def test_a_full_sync_replays_every_page(stem: str, path: str, count: int) -> None:
    got, cassette = _sync(stem, path, {"per_page": 2})
    assert len(got) == count and len({r["id"] for r in got}) == count
    assert cassette.play_count == 1 + -(-count // 2)  # the token, then ceil(count / 2) pages


def test_incremental_sync_replays_the_filtered_request() -> None:
    got, _ = _sync("incremental", "/candidates", {"per_page": 2, "updated_at": "gte|2024-06-06T00:00:00.000Z"})
    assert [r["id"] for r in got] == [1004, 1005]


def test_a_refused_token_is_refreshed_once_and_the_request_sent_again() -> None:
    with vcr.use_cassette(str(CASSETTES / "token_refresh.yaml"), record_mode="none") as cassette, \
            httpx.Client(auth=_auth()) as client:
        response = client.get(f"{API}departments", params={"per_page": 2})
    assert response.status_code == 200 and cassette.all_played
