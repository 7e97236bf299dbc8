"""A list that names records by id (``Stream(detail=Detail(...))``): each listed id fetched, the fetched
record synced, stored as sent and read for the cursor; a failed fetch fails the page, and the next run
resumes at it; a webhook naming a record by id has it fetched the same way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from hub.core.connector import Category, Detail, RestConnector, Stream, WebhookDelivery
from hub.core.crypto import KeyRing
from hub.core.errors import MalformedPageError, PermanentConnectorError
from hub.core.http import HttpClient, RetryPolicy
from hub.core.mapping_files import MappingLookup
from hub.core.paginators import CursorPaginator
from hub.core.store import Store
from hub.core.sync import sync

JOBS = {"j1": {"id": "j1", "title": "后端工程师", "modified": "2"}, "j2": {"id": "j2", "title": "产品经理", "modified": "5"},
        "j3": {"id": "j3", "title": "数据分析师", "modified": "3"}}
MAPPING = "system: idlist\nentity: job\nrecord_path: ''\nrecord_id: id\nfields:\n  title: {from: title, required: true}\n"


class IdList(RestConnector):
    """Lists ``{"ids": [...], "next": ...}``; each job is ``GET /jobs/{id}`` → ``{"job": {...}}`` (none for "gone")."""

    name, category = "idlist", Category.HR_SUITES
    base_url = "https://ids.example.com"
    paginator = staticmethod(lambda: CursorPaginator(cursor_path="next", cursor_param="after"))
    record_path = "ids"
    page_size = 0
    retry = RetryPolicy(max_attempts=1)
    streams = (Stream(name="jobs", entity="job", path="/jobs", cursor_field="modified", cursor_param="since",
                      detail=Detail(path="/jobs/{id}", record_path="job")),)


def serve(fail: set[str] | None = None) -> tuple[httpx.MockTransport, list[str]]:
    fail = fail or set()
    asked: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path + (f"?{request.url.query.decode()}" if request.url.query else ""))
        if request.url.path == "/jobs":
            page = {None: {"ids": ["j1", "j2"], "next": "p2"}, "p2": {"ids": ["j3", "gone"], "next": None}}
            return httpx.Response(200, json=page[request.url.params.get("after")])
        job_id = request.url.path.rsplit("/", 1)[1]
        if job_id in fail:
            return httpx.Response(404, json={"message": "not found"})
        return httpx.Response(200, json={"job": JOBS[job_id]} if job_id in JOBS else {})

    return httpx.MockTransport(handle), asked


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'hub.db'}", KeyRing.generate())
    opened.upgrade()
    yield opened
    opened.close()


@pytest.fixture
def connector(tmp_path: Path) -> IdList:
    folder = tmp_path / "mappings" / "hr_suites" / "idlist"
    folder.mkdir(parents=True)
    (folder / "job.yaml").write_text(MAPPING, encoding="utf-8")
    return IdList(mapping_lookup=MappingLookup.of([tmp_path / "mappings"]))


def test_each_listed_id_is_fetched_and_the_fetched_record_is_what_is_synced(store: Store, connector: IdList) -> None:
    transport, asked = serve()
    report = sync(connector, store, transport=transport, prefetch=False)
    assert report.status == "succeeded" and report.counters.records == 3  # "gone" answers no job: skipped
    assert asked == ["/jobs", "/jobs/j1", "/jobs/j2", "/jobs?after=p2", "/jobs/j3", "/jobs/gone"]
    job = store.get("job", store.find("idlist", "j2", "job"))
    assert job.title == "产品经理" and job.remote_data == JOBS["j2"]
    assert json.loads(store.get_cursor(None, "idlist", "jobs"))["since"] == "5"  # read from the fetched records


def test_a_failed_fetch_fails_the_page_and_the_next_run_resumes_at_it(store: Store, connector: IdList) -> None:
    transport, _ = serve(fail={"j3"})
    report = sync(connector, store, transport=transport, prefetch=False)
    assert report.status == "failed" and report.counters.records == 2 and report.streams[0].error["status"] == "404"
    transport, asked = serve()
    assert sync(connector, store, transport=transport, prefetch=False).status == "succeeded"
    assert asked[0] == "/jobs?after=p2"  # the page that failed, not the first one


def test_a_listed_item_without_an_id_is_a_malformed_page(connector: IdList) -> None:
    transport, _ = serve()
    with HttpClient(connector.base_url, transport=transport) as client, pytest.raises(MalformedPageError):
        connector.details(client, connector.stream("jobs"), ["j1", None])


def test_a_webhook_naming_a_record_by_id_has_it_fetched(connector: IdList) -> None:
    transport, asked = serve()
    with HttpClient(connector.base_url, transport=transport) as client:
        resolved = connector.resolve_webhook(client, WebhookDelivery("d-1", [("jobs", "j1"), ("jobs", "gone")]))
        assert resolved == WebhookDelivery("d-1", [("jobs", JOBS["j1"])])
        with pytest.raises(PermanentConnectorError):
            IdList.resolve_webhook(connector, HttpClient(connector.base_url, transport=serve({"j1"})[0]),
                                   WebhookDelivery("d-2", [("jobs", "j1")]))
    assert asked == ["/jobs/j1", "/jobs/gone"]


def test_an_id_cannot_reach_another_path() -> None:
    assert Detail(path="/jobs/{id}").url("../admin?x=1") == "/jobs/..%2Fadmin%3Fx%3D1"
    assert Detail(path="/x/{id}", id_path="ref.id").id_of({"ref": {"id": 7}}) == "7"
    assert Detail(path="/x/{id}").id_of(True) is None and Detail(path="/x/{id}").id_of("") is None




class TeamJobs(IdList):
    """A detail path with more than the id (``/teams/{team}/jobs/{id}``, the team a setting) and an answer
    holding several records (``{"job": {...}, "openings": [...]}``: one record per opening)."""

    optional_settings = ("team",)
    streams = (Stream(name="jobs", entity="job", path="/jobs", detail=Detail(path="/teams/{team}/jobs/{id}")),)

    def detail_url(self, stream: Stream, record_id: str) -> str:
        assert stream.detail is not None
        team = str(self.setting("team"))
        return replace(stream.detail, path=stream.detail.path.replace("{team}", team)).url(record_id)

    def detail_records(self, stream: Stream, listed: object, body: object) -> list[object]:
        assert isinstance(body, dict)
        return [{**opening, "title": body["job"]["title"]} for opening in body.get("openings", [])]


def test_the_detail_hooks_name_the_url_and_split_one_answer_into_records(tmp_path: Path) -> None:
    asked: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        job = JOBS[request.url.path.rsplit("/", 1)[1]]
        return httpx.Response(200, json={"job": job, "openings": [{"id": f"{job['id']}-{n}"} for n in (1, 2)]})

    connector = TeamJobs({"team": "t-7"})
    with HttpClient(connector.base_url, transport=httpx.MockTransport(handle)) as client:
        records = connector.details(client, connector.stream("jobs"), ["j1", "j2"])
    assert asked == ["/teams/t-7/jobs/j1", "/teams/t-7/jobs/j2"]
    assert records == [{"id": "j1-1", "title": "后端工程师"}, {"id": "j1-2", "title": "后端工程师"},
                       {"id": "j2-1", "title": "产品经理"}, {"id": "j2-2", "title": "产品经理"}]


def test_the_default_detail_records_are_the_record_at_its_path_or_none() -> None:
    connector, stream = IdList(), IdList.stream("jobs")
    assert connector.detail_url(stream, "j/1") == "/jobs/j%2F1"
    assert connector.detail_records(stream, "j1", {"job": JOBS["j1"]}) == [JOBS["j1"]]
    assert connector.detail_records(stream, "gone", {}) == [] == connector.detail_records(stream, "x", {"job": {}})
