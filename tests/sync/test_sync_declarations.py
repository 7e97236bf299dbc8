"""Stream / RestConnector declaration defaults, the checkpoint value object, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.auth import OAuth2ClientCredentials
from hub.core.connector import Category, RestConnector, Stream, Tombstones
from hub.core.crypto import KeyRing
from hub.core.errors import ConfigError
from hub.core.http import RetryPolicy
from hub.core.paginators import CursorPaginator, LinkHeaderPaginator, PageRequest
from hub.core.sync_state import StreamState, later


class Harvest(RestConnector):
    """The shape of Greenhouse Harvest v3 as a declaration: OAuth2, Link header, updated_at=gte|…"""

    name, category = "harvest_like", Category.HR_SUITES
    base_url = "https://harvest.greenhouse.io/v3"
    default_settings = {"token_url": "https://auth.greenhouse.io/token"}
    required_settings = ("client_id", "client_secret", "user_id")
    page_size = 500
    receives_webhooks = True
    streams = (
        Stream(name="candidates", entity="candidate", path="/candidates", cursor_field="updated_at",
               cursor_format="gte|{value}"),
        Stream(name="departments", entity="department", path="/departments"),
    )

    def authenticator(self) -> OAuth2ClientCredentials:
        return OAuth2ClientCredentials(self.setting("token_url"), self.setting("client_id"),
                                       self.setting("client_secret"), extra={"sub": str(self.setting("user_id"))})


SETTINGS = {"client_id": "cid", "client_secret": "cs", "user_id": 7}


def test_a_greenhouse_like_connector_is_a_short_declaration() -> None:
    connector = Harvest(SETTINGS)
    assert Harvest.reads == ("candidate", "department")
    assert Harvest.capabilities() == ["read:candidate", "read:department", "webhooks"]
    candidates = Harvest.stream("candidates")
    assert connector.first_request(candidates, since="2024-06-01T00:00:00Z") == PageRequest(
        "/candidates", {"per_page": 500, "updated_at": "gte|2024-06-01T00:00:00Z"})
    assert connector.first_request(candidates, since=None).params == {"per_page": 500}
    assert isinstance(connector.paginator_for(candidates), LinkHeaderPaginator)
    assert candidates.mapping_file == "candidate.yaml"
    with connector.client() as client:
        assert client.system == "harvest_like" and client.retry == RetryPolicy()


def test_settings_override_base_url_and_retry_fields() -> None:
    connector = Harvest({**SETTINGS, "base_url": "http://127.0.0.1:1/v3", "retry": {"max_attempts": 2}})
    assert connector.retry_policy().max_attempts == 2
    assert connector.retry_policy().backoff_cap == RetryPolicy().backoff_cap
    with connector.client() as client:
        assert str(client._client.base_url) == "http://127.0.0.1:1/v3/"


def test_missing_and_bad_settings_are_config_errors_naming_them() -> None:
    with pytest.raises(ConfigError, match="needs the setting\\(s\\) client_secret, user_id"):
        Harvest({"client_id": "x"})
    with pytest.raises(ConfigError, match="bad 'retry' setting"):
        Harvest({**SETTINGS, "retry": {"max_attempts": 0}}).retry_policy()
    with pytest.raises(ConfigError, match="bad 'retry' setting"):
        Harvest({**SETTINGS, "retry": {"attempts": 3}}).retry_policy()


def test_stream_overrides_win_over_connector_defaults() -> None:
    stream = Stream(name="s", entity="job", path="/jobs", page_size=0, params={"status": "open"},
                    paginator=lambda: CursorPaginator(), mapping="jobs_v2.yaml", cursor_field="meta.changed",
                    cursor_param="changed_since", tombstones=Tombstones(path="/jobs/deleted"))
    connector = Harvest(SETTINGS)
    assert connector.first_request(stream, since="5").params == {"status": "open", "changed_since": "5"}
    assert connector.first_request(stream, since="5", tombstones=True) == PageRequest("/jobs/deleted", {"changed_since": "5"})
    assert isinstance(connector.paginator_for(stream), CursorPaginator)
    assert stream.mapping_file == "jobs_v2.yaml"


def test_duplicate_stream_names_are_refused_at_class_creation() -> None:
    with pytest.raises(ConfigError, match="declares a stream name twice"):
        type("Twice", (RestConnector,), {"name": "t", "category": Category.ERP,
                                          "streams": (Stream(name="a", entity="job", path="/a"),) * 2})


def test_webhooks_are_refused_by_connectors_that_do_not_take_them() -> None:
    from hub.core.errors import WebhookVerificationError

    class Quiet(Harvest):
        receives_webhooks = False

    with pytest.raises(WebhookVerificationError, match="does not receive webhooks"):
        Quiet(SETTINGS).parse_webhook({}, b"{}")


# -- the checkpoint

iso = st.datetimes(timezones=st.just(__import__("datetime").timezone.utc)).map(lambda d: d.isoformat())


@given(st.lists(iso, min_size=1))
def test_later_picks_the_latest_instant(values: list[str]) -> None:
    top = None
    for value in values:
        top = later(top, value)
    assert top == max(values, key=lambda v: __import__("datetime").datetime.fromisoformat(v))


@given(st.builds(StreamState, since=st.none() | iso, pass_since=st.none() | iso, max_seen=st.none() | iso,
                 resume=st.none() | st.builds(PageRequest, st.text(min_size=1), st.dictionaries(st.text(), st.integers())),
                 phase=st.sampled_from(["records", "tombstones"]), full_refresh=st.booleans(),
                 seen_pass=st.none() | st.text()))
def test_state_survives_its_json_round_trip(state: StreamState) -> None:
    assert StreamState.from_json(state.to_json()) == state


def test_a_bare_saved_cursor_is_read_as_since_and_garbage_is_refused() -> None:
    assert StreamState.from_json("2024-01-01").since == "2024-01-01"
    from hub.core.errors import StoreError

    with pytest.raises(StoreError, match="not a sync state"):
        StreamState.from_json('{"bogus": 1}')


def test_an_incremental_pass_moves_since_only_when_complete() -> None:
    state = StreamState(since="2024-01-01T00:00:00Z").begin(full_refresh=False).at(PageRequest("/x"))
    state = state.after_page(next_request=PageRequest("/x?c=2"), newest="2024-05-01T00:00:00Z")
    assert state.in_pass and state.since == "2024-01-01T00:00:00Z" and state.pass_since == "2024-01-01T00:00:00Z"
    state = state.after_page(next_request=None, newest="2024-02-01T00:00:00Z")
    assert state.finish() == StreamState(since="2024-05-01T00:00:00Z")


# -- the CLI, as a subprocess


@pytest.fixture
def cli_env(tmp_path) -> dict[str, str]:
    (tmp_path / "hub.yaml").write_text("connectors: {}\n", encoding="utf-8")
    return {**os.environ, "HUB_KEYS": KeyRing.generate().to_json(),
            "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}", "HUB_CONFIG": str(tmp_path / "hub.yaml")}


def run(hub_cmd, env, *args) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*hub_cmd, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


def test_sync_help_lists_its_options(hub_cmd) -> None:
    done = run(hub_cmd, os.environ, "sync", "--help")
    assert done.returncode == 0
    for option in ("--connector", "--stream", "--full-refresh", "--since", "--config"):
        assert option in done.stdout


def test_dead_letters_list_on_an_empty_store(hub_cmd, cli_env) -> None:
    done = run(hub_cmd, cli_env, "dead-letters", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_sync_without_connectors_is_a_config_error(hub_cmd, cli_env) -> None:
    done = run(hub_cmd, cli_env, "sync")
    assert done.returncode == 2
    assert "no pull connectors are configured" in done.stderr


def test_sync_of_an_unknown_connector_names_the_configured_ones(hub_cmd, cli_env, tmp_path) -> None:
    (tmp_path / "hub.yaml").write_text("connectors:\n  ats: {type: nonexistent}\n", encoding="utf-8")
    done = run(hub_cmd, cli_env, "sync", "--connector", "ats")
    assert done.returncode == 2
    assert "type 'nonexistent', which no installed plugin provides" in done.stderr


def test_stream_without_connector_takes_the_only_one_and_names_them_when_there_are_more(hub_cmd, cli_env, tmp_path) -> None:
    gh = "{type: greenhouse, settings: {client_id: i, client_secret: s, base_url: 'http://127.0.0.1:9', token_url: 'http://127.0.0.1:9/t', retry: {max_attempts: 1}}}"
    (tmp_path / "hub.yaml").write_text(f"connectors:\n  gh: {gh}\n", encoding="utf-8")
    done = run(hub_cmd, cli_env, "sync", "--stream", "jobs", "--no-deliver")
    assert done.returncode == 1, done.stderr  # it ran gh's jobs stream: nothing listens on port 9
    assert "jobs" in done.stdout and "failed" in done.stdout and "departments" not in done.stdout
    (tmp_path / "hub.yaml").write_text(f"connectors:\n  gh: {gh}\n  gh2: {gh}\n", encoding="utf-8")
    done = run(hub_cmd, cli_env, "sync", "--stream", "jobs")
    assert done.returncode == 2 and "say which with --connector (gh, gh2)" in done.stderr
