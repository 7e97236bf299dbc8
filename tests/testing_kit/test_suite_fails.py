"""The standard connector suite can fail: each check, run on a connector or recording broken in its way.

Each case takes the Greenhouse suite (tests/plugins/hr_suites/test_greenhouse_suite.py), breaks one
thing — a cassette, a mapping, the connector's paging, retries or webhook check, a fixture — and
runs the check that must catch it, directly, against a real store. The message must name the
connector, the stream or file, and what is wrong.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from hub.core.http import RetryPolicy
from hub.core.paginators import LinkHeaderPaginator
from hub.core.store import Store
from hub.testing import sqlite_store
from tests.plugins.hr_suites import test_greenhouse_suite as greenhouse

#: Not bound to a ``Test*`` name here, so pytest does not collect the whole suite in this module again.
SUITE = greenhouse.TestGreenhouse

GREENHOUSE_MAPPINGS = Path(__file__).resolve().parents[2] / "hub" / "mappings" / "hr_suites" / "greenhouse"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with sqlite_store(tmp_path) as opened:
        yield opened


def suite_with(**attributes: Any) -> greenhouse.TestGreenhouse:
    """The Greenhouse suite with some attributes replaced."""
    return type("BrokenGreenhouse", (SUITE,), attributes)()


def copied_cassettes(tmp_path: Path, stem: str, old: str, new: str) -> Path:
    """A copy of the cassette folder in which ``old`` is replaced by ``new`` in cassette ``stem``."""
    folder = tmp_path / "cassettes"
    shutil.copytree(SUITE.cassettes, folder)
    path = folder / f"{stem}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_the_unbroken_suite_passes_these_checks(store: Store) -> None:
    suite = SUITE()
    suite.test_cassette_holds_no_credential(SUITE.cassettes / "candidates.yaml")
    suite.test_stream_records_map_and_validate("jobs", store)


def test_a_recorded_authorization_header_fails(tmp_path: Path) -> None:
    folder = copied_cassettes(tmp_path, "jobs", "Bearer <REDACTED>", "Bearer 9f86d081884c7d659a2feaa0c55ad015")
    with pytest.raises(AssertionError, match=r"(?s)greenhouse.*jobs.yaml #2 GET /v3/jobs: request header Authorization"):
        suite_with(cassettes=folder).test_cassette_holds_no_credential(folder / "jobs.yaml")


def test_a_recorded_token_in_a_response_body_fails(tmp_path: Path) -> None:
    folder = copied_cassettes(tmp_path, "jobs", "<REDACTED-ACCESS-TOKEN-1>", "gho_16C7e42F292c6912E7710c838347Ae178B4a")
    with pytest.raises(AssertionError, match="response body field access_token is not scrubbed"):
        suite_with(cassettes=folder).test_cassette_holds_no_credential(folder / "jobs.yaml")


def test_a_configured_secret_anywhere_in_a_cassette_fails(tmp_path: Path) -> None:
    folder = copied_cassettes(tmp_path, "jobs", "REQ-5001", SUITE.settings["client_secret"])
    with pytest.raises(AssertionError, match="a configured secret is recorded"):
        suite_with(cassettes=folder).test_cassette_holds_no_credential(folder / "jobs.yaml")


@pytest.mark.parametrize(("fictional", "real", "found"), [
    ("test.candidate2@example.com", "jane.doe@gmail.com", "an email address"),
    ("415-555-0102", "212-736-5000", "a phone number"),
    ("referral", "11010519491231002X", "a resident ID"),
])
def test_a_real_looking_person_in_a_cassette_fails(tmp_path: Path, fictional: str, real: str, found: str) -> None:
    folder = copied_cassettes(tmp_path, "candidates", fictional, real)
    with pytest.raises(AssertionError, match=f"candidates.yaml #2: {found}") as failed:
        suite_with(cassettes=folder).test_cassette_holds_no_real_person(folder / "candidates.yaml")
    assert real not in str(failed.value), "the finding must be masked"


def user_mapping(tmp_path: Path, rule: str) -> Path:
    """A user mapping folder whose Greenhouse job mapping has ``rule`` in place of its title rule."""
    folder = tmp_path / "mappings" / "hr_suites" / "greenhouse"
    folder.mkdir(parents=True)
    mapping = (GREENHOUSE_MAPPINGS / "job.yaml").read_text(encoding="utf-8")
    title = "  title: {from: name, steps: [strip], required: true}\n"
    assert title in mapping
    (folder / "job.yaml").write_text(mapping.replace(title, rule), encoding="utf-8")
    return tmp_path / "mappings"


def test_a_mapping_that_drops_a_required_field_fails(tmp_path: Path) -> None:
    suite = suite_with(mapping_folders=(user_mapping(tmp_path, ""),))
    with pytest.raises(pytest.fail.Exception, match="stream 'jobs': mapping job.yaml: .*required field 'title' is never filled"):
        suite.test_stream_is_declared("jobs")


def test_a_mapping_that_reads_the_wrong_field_fails(tmp_path: Path, store: Store) -> None:
    suite = suite_with(mapping_folders=(user_mapping(tmp_path, "  title: {from: job_name}\n"),))
    with pytest.raises(AssertionError, match=r"stream 'jobs'.*records refused: jobs 5001: model-validation-error"):
        suite.test_stream_records_map_and_validate("jobs", store)
    with pytest.raises(pytest.fail.Exception, match="stream 'jobs': job.before.json holds a record its mapping refuses"):
        suite.test_mapping_fixtures_pin_the_output("jobs")


class FirstPageOnly(LinkHeaderPaginator):
    """A paginator that never follows the next link."""

    def next_request(self) -> None:
        return None


def test_a_connector_that_stops_after_one_page_fails(store: Store) -> None:
    broken = type("OnePage", (SUITE.connector,), {"paginator": FirstPageOnly})
    with pytest.raises(AssertionError, match=r"stream 'candidates' \(cassette candidates\): 1 pages synced, 3 recorded"):
        suite_with(connector=broken).test_stream_pages_through_its_cassette("candidates", store)


def test_a_cassette_of_one_page_fails(store: Store) -> None:
    suite = suite_with(stream_cassettes={"jobs": "rate_limited"})  # its jobs fit one page
    with pytest.raises(AssertionError, match=r"stream 'jobs' \(cassette rate_limited\): 1 recorded pages, fewer than 2"):
        suite.test_stream_pages_through_its_cassette("jobs", store)


def test_a_connector_that_filters_by_another_parameter_fails(store: Store) -> None:
    streams = tuple(dataclasses.replace(s, cursor_param="updated_since") if s.name == "candidates" else s
                    for s in SUITE.connector.streams)  # fmt: skip
    broken = type("WrongFilter", (SUITE.connector,), {"streams": streams})
    with pytest.raises(AssertionError, match=r"stream 'candidates': cassette resume does not start from the cursor"):
        suite_with(connector=broken).test_cursor_advances_and_a_second_run_resumes_from_it(store)


def test_a_connector_that_ignores_the_stored_cursor_fails(store: Store) -> None:
    def from_the_start(self: Any, stream: Any, *, since: str | None, tombstones: bool = False) -> Any:
        return SUITE.connector.first_request(self, stream, since=None, tombstones=tombstones)

    broken = type("Forgetful", (SUITE.connector,), {"first_request": from_the_start})
    with pytest.raises(pytest.fail.Exception, match=r"stream 'candidates' \(cassette resume\): sent a request no "
                                                    r"recorded interaction matches: GET https://harvest.greenhouse.io/v3/"
                                                    r"candidates\?per_page=2$"):
        suite_with(connector=broken).test_cursor_advances_and_a_second_run_resumes_from_it(store)


def test_a_connector_that_does_not_retry_fails(store: Store) -> None:
    broken = type("NoRetries", (SUITE.connector,), {"retry": RetryPolicy(max_attempts=1)})
    with pytest.raises(AssertionError, match=r"stream 'jobs' \(cassette retried\): not retried"):
        suite_with(connector=broken).test_a_429_and_a_5xx_are_retried(store)


def test_a_connector_that_takes_unsigned_webhooks_fails(store: Store) -> None:
    def trusting(self: Any, headers: Mapping[str, str], raw_body: bytes) -> str | None:
        return headers.get("Greenhouse-Event-ID")

    broken = type("Trusting", (SUITE.connector,), {"verify_webhook": trusting})
    with pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"):
        suite_with(connector=broken).test_a_webhook_with_a_bad_signature_is_refused(store)


def test_a_changed_output_fails_until_the_fixture_is_regenerated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(SUITE.fixtures, fixtures)
    pinned = (fixtures / "job.after.json").read_text(encoding="utf-8")
    (fixtures / "job.after.json").write_text(pinned.replace("Data Analyst", "Data Scientist"), encoding="utf-8")
    suite = suite_with(fixtures=fixtures)
    with pytest.raises(AssertionError, match=r"stream 'jobs': job.before.json no longer maps to job.after.json at records \[2\]"):
        suite.test_mapping_fixtures_pin_the_output("jobs")
    monkeypatch.setenv("HUB_UPDATE_FIXTURES", "1")
    suite.test_mapping_fixtures_pin_the_output("jobs")
    assert (fixtures / "job.after.json").read_text(encoding="utf-8") == pinned


def test_missing_suite_episodes_fail(store: Store) -> None:
    with pytest.raises(AssertionError, match="set resume = "):
        suite_with(resume=None).test_cursor_advances_and_a_second_run_resumes_from_it(store)
    with pytest.raises(pytest.fail.Exception, match="no cassette .*nowhere.yaml"):
        suite_with(malformed=("offers", "nowhere")).test_a_malformed_record_is_dead_lettered_and_the_run_goes_on(store)
