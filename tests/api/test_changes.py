"""GET /v1/changes and /v1/changes/stream against a real ``hub serve``: followed from 0 while writes go
on, every change arrives once, in order, with the state its version wrote; long poll; SSE resume;
scope, masking, audited plaintext; erasure reaches the history."""

from __future__ import annotations

import json
import threading
import time

import pytest
import sqlalchemy as sa

from hub.core.models import Application, ApplicationStatus, Job, Ref, masked
from hub.core.store.schema import metadata
from tests.store.conftest import candidate, pg_url  # noqa: F401 — pg_url: the session fixture (PostgreSQL schema)


def upsert(server, system, entities):
    with server.store.transaction() as tx:
        return server.store.upsert_many(tx, system, entities)


def follow(client, after=0, **params):
    """Pages until the feed is empty: the items, and the ``next_after`` to send next time."""
    items = []
    while True:
        page = client.get("/v1/changes", params={"after": after, **params}).json()
        items += page["items"]
        if not page["items"]:
            return items, page["next_after"]
        after = page["next_after"]


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request, hub_server_factory):
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_url")
    server = hub_server_factory(database_url=url)
    yield server
    if url is not None:  # the session schema is shared: leave it empty for the next test
        with server.store.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {', '.join(t.name for t in metadata.sorted_tables)} RESTART IDENTITY CASCADE"))


def test_followed_from_zero_while_writes_go_on_every_change_arrives_once_in_order(server):
    written: dict[tuple[str, int], dict] = {}  # (entity id, version) -> the state that version wrote
    errors: list[BaseException] = []

    def write(w: int) -> None:
        try:
            for round_ in range(8):
                batch = [candidate(1000 * w + n, system=f"s{w}", tags=[f"r{round_}"]) for n in range(5)]
                ids = upsert(server, f"s{w}", batch).ids
                for entity in server.store.get_many("candidate", ids):  # no one else writes them: this version's state
                    written[(entity.id, round_ + 1)] = entity
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(w,)) for w in range(3)]
    received, after = [], 0
    with server.client(server.token("hr_admin")) as client:
        for thread in writers:
            thread.start()
        while any(thread.is_alive() for thread in writers):
            page = client.get("/v1/changes", params={"after": after, "limit": 7}).json()
            received += page["items"]
            after = page["next_after"]
        for thread in writers:
            thread.join()
        rest, _ = follow(client, after)
        received += rest
    assert errors == []
    seqs = [item["seq"] for item in received]
    assert seqs == sorted(set(seqs)) and len(seqs) == 3 * 8 * 5
    assert seqs == [change.seq for change in server.store.changes(limit=10_000)]
    for item in received:
        assert item["kind"] == "candidate" and item["op"] in ("create", "update")
        expected = masked(written[(item["id"], item["version"])])
        expected.pop("provenance")
        assert item["entity"] == expected


def test_long_poll_answers_when_a_change_is_written_and_after_the_wait_without_one(hub_server):
    upsert(hub_server, "beisen", [candidate(1)])
    with hub_server.client(hub_server.token("hr_admin")) as client:
        _, after = follow(client)
        started = time.monotonic()
        empty = client.get("/v1/changes", params={"after": after, "wait": 0.5}).json()
        assert empty == {"items": [], "next_after": after} and time.monotonic() - started >= 0.5

        answer: dict = {}
        poll = threading.Thread(target=lambda: answer.update(client.get(
            "/v1/changes", params={"after": after, "wait": 30}).json()))
        started = time.monotonic()
        poll.start()
        time.sleep(0.3)
        upsert(hub_server, "beisen", [candidate(2)])
        poll.join()
        assert [item["version"] for item in answer["items"]] == [1] and answer["next_after"] > after
        assert time.monotonic() - started < 30  # answered by the write, not by the end of the wait


def _events(lines):
    """Parse ``id:`` / ``event:`` / ``data:`` events (and count comment lines) until the stream is closed."""
    event: dict = {}
    for line in lines:
        if not line:
            if event:
                yield event
            event = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            event[name] = value


def test_stream_sends_changes_as_events_and_resumes_after_last_event_id(hub_server):
    ids = upsert(hub_server, "beisen", [candidate(n) for n in range(3)]).ids
    token = hub_server.token("hr_admin")
    seqs = [c.seq for c in hub_server.store.changes()]
    with hub_server.client(token) as client:
        with client.stream("GET", "/v1/changes/stream") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            events = _events(response.iter_lines())
            first = [next(events) for _ in range(3)]
        assert [int(e["id"]) for e in first] == seqs and {e["event"] for e in first} == {"change"}
        assert [json.loads(e["data"])["id"] for e in first] == ids

        with client.stream("GET", "/v1/changes/stream", headers={"Last-Event-ID": str(seqs[1])}) as response:
            events = _events(response.iter_lines())
            resumed = next(events)
            upsert(hub_server, "beisen", [candidate(9)])
            live = next(events)
        assert int(resumed["id"]) == seqs[2] and int(live["id"]) > seqs[2]
        assert client.get("/v1/changes/stream", headers={"Last-Event-ID": "x"}).status_code == 400


def test_scope_a_department_head_follows_only_its_departments(hub_server):
    jobs = upsert(hub_server, "beisen", [Job(external_ids={"beisen": "j1"}, title="PM", department="销售部"),
                                      Job(external_ids={"beisen": "j2"}, title="QA", department="研发部")]).ids
    upsert(hub_server, "beisen", [candidate(1), candidate(2)])
    apps = upsert(hub_server, "beisen", [
        Application(external_ids={"beisen": f"a{n}"}, candidate=Ref(system="beisen", external_id=f"c{n}"),
                    job=Ref(system="beisen", external_id=f"j{n}"), status=ApplicationStatus.APPLIED)
        for n in (1, 2)]).ids
    head = hub_server.token("department_head", departments=["销售部"])
    with hub_server.client(head) as client:
        items, _ = follow(client)
        assert [(item["kind"], item["id"]) for item in items] == [("application", apps[0])]
        assert client.get("/v1/changes", params={"kinds": "candidate"}).status_code == 403
        assert client.get("/v1/changes", params={"kinds": "application,planet"}).status_code == 400
    with hub_server.client(hub_server.token("hr_admin")) as client:
        assert [i["id"] for i in follow(client, kinds="job")[0]] == jobs


def test_pii_is_masked_unless_pii_read_and_then_each_read_is_audited(hub_server):
    [cid] = upsert(hub_server, "beisen", [candidate(1)]).ids
    with hub_server.client(hub_server.token("hr_admin")) as client:
        [item] = follow(client)[0]
    assert item["entity"]["name"] == "***" and candidate(1).national_id not in str(item)
    assert not [e for e in hub_server.store.audit_entries(cid) if e["action"] == "read_pii"]
    with hub_server.client(hub_server.token("hr_admin", name="dpo", pii_read=True)) as client:
        [item] = follow(client)[0]
    assert item["entity"]["name"] == candidate(1).name and item["entity"]["national_id"] == candidate(1).national_id
    [audit] = [e for e in hub_server.store.audit_entries(cid) if e["action"] == "read_pii"]
    assert audit["actor"] == "token:dpo" and audit["detail"]["versions"] == [1]


def test_erasure_blanks_the_pii_of_the_history_the_feed_serves(hub_server):
    [cid] = upsert(hub_server, "beisen", [candidate(1)]).ids
    upsert(hub_server, "beisen", [candidate(1, phones=["+8613900000000"])])
    hub_server.store.erase_candidate(cid, "dpo")
    with hub_server.client(hub_server.token("hr_admin", pii_read=True)) as client:
        items, _ = follow(client)
    assert [item["op"] for item in items] == ["create", "update", "erase"]
    assert all("name" not in item["entity"] and "phones" not in item["entity"] for item in items)
    assert "王1芳" not in str(items) and items[-1]["entity"]["tags"] == ["java"]


@pytest.mark.parametrize("params, status", [({"after": -1}, 422), ({"after": "x"}, 422), ({"after": 2**70}, 422),
                                            ({"limit": 0}, 422), ({"limit": 100_000}, 400), ({"wait": -1}, 422)])
def test_bad_parameters_are_refused_with_4xx(hub_server, params, status):
    with hub_server.client(hub_server.token("hr_admin")) as client:
        response = client.get("/v1/changes", params=params)
    assert response.status_code == status and "code" in response.json()


def test_without_a_token_the_feed_is_refused(hub_server):
    with hub_server.client() as client:
        assert client.get("/v1/changes").status_code == 401
        assert client.get("/v1/changes/stream").status_code == 401


def test_a_stream_ends_after_stream_max_seconds_and_resumes_where_it_ended(hub_server_factory):
    """A bounded connection: the stream closes by itself; reconnecting with Last-Event-ID misses nothing."""
    server = hub_server_factory(config={"service": {"stream_max_seconds": 1}})
    upsert(server, "beisen", [candidate(n) for n in range(2)])
    token = server.token("hr_admin")
    with server.client(token) as client:
        started = time.monotonic()
        first = list(_events(client.get("/v1/changes/stream").text.splitlines()))
        assert time.monotonic() - started < 10  # it ended by itself, well before the client's timeout
        upsert(server, "beisen", [candidate(5)])
        resumed = list(_events(client.get("/v1/changes/stream", headers={"Last-Event-ID": first[-1]["id"]}).text
                               .splitlines()))
    assert len(first) == 2 and len(resumed) == 1 and int(resumed[0]["id"]) > int(first[-1]["id"])
