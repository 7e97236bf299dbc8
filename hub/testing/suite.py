"""The standard connector test suite: one class a connector's test module subclasses.

Every connector, built-in or third-party, proves the same things against its recorded vendor
conversation (vcrpy cassettes), through the real sync engine into a real SQLite store:

* every stream is declared whole: entity, paginator, a mapping file that exists and compiles;
* every stream pages through its cassette, request for request, at least two pages each and
  ``min_pages`` (3) for one (a child stream, ``/opportunities/{id}/feedback``, its parent's pages);
  a stream whose paginator declares the list unpaged (``single_page``: a report answered whole)
  has exactly one page, and a connector all of whose streams are so skips the ``min_pages`` check;
* every recorded record maps and validates into the canonical model and is stored;
* the cursor advances to the latest value seen, and a second run resumes from it;
* one 429 (with ``Retry-After`` or a rate-limit reset header) and one 5xx are retried and the pass completes;
* a malformed record becomes a dead letter with a typed error while the run goes on;
* webhooks, if the connector takes them: a signed sample is stored, a bad signature refused
  (401 class), a replayed delivery refused (409 class), all through ``ingest_webhook``;
* no cassette holds a credential, and no cassette or fixture a real-looking person;
* before/after fixtures pin each mapping's canonical output (``HUB_UPDATE_FIXTURES=1`` rewrites them).

The checks are test methods, parametrized per stream or per file, whose failures name the connector,
the stream and the file. Override :meth:`ConnectorSuite.vcr` to add matchers and
:meth:`ConnectorSuite.sign_webhook` (and :meth:`ConnectorSuite.tamper_webhook`, or
:meth:`ConnectorSuite.webhook_query` for a signature in the URL) when the connector does not use the base
HMAC-hex check of the raw body.

Example::

    from hub.testing import ConnectorSuite

    class TestAcme(ConnectorSuite):
        connector = RecordedAcme                 # the connector as the cassettes were recorded
        settings = {"token": "test-token-not-real", "webhook_secret": "test-secret-not-real"}
        cassettes = HERE / "cassettes" / "hr_suites" / "acme"
        fixtures = HERE / "fixtures" / "acme"
        resume = ("candidates", "resume")        # (stream, cassette) of the second run
        retried = ("jobs", "retried")
        malformed = ("offers", "malformed")
        webhook_samples = (HERE / "fixtures" / "acme" / "webhook_offer.json",)
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

import pytest
import vcr
from vcr.errors import CannotOverwriteExistingCassetteException

from hub.core.connector import RestConnector, Stream
from hub.core.crypto import KeyRing
from hub.core.errors import (
    ConfigError,
    HubError,
    MappingCompileError,
    RecordError,
    WebhookRefusedError,
    WebhookReplayError,
    WebhookVerificationError,
)
from hub.core.http import RESET_HEADERS, is_sensitive_name, redact_url
from hub.core.mapping import load_mapping
from hub.core.mapping_files import MappingLookup
from hub.core.models import ENTITY_TYPES
from hub.core.paginators import Paginator, select, select_records
from hub.core.record_transform import Validator
from hub.core.store import Store
from hub.core.substreams import path_pattern
from hub.core.sync import SyncReport, ingest_webhook, sync
from hub.core.sync_state import StreamState
from hub.testing.cassettes import Interaction, interactions, people_findings, scrubbing_vcr, secret_findings
from hub.testing.fixtures import FixturePair, canonical, updating
from hub.testing.people import real_looking, texts

__all__ = ["ConnectorSuite", "sqlite_store"]


@contextlib.contextmanager
def sqlite_store(folder: Path) -> Iterator[Store]:
    """A real, upgraded store in a new SQLite file in ``folder``, with a fresh key ring; closed after."""
    opened = Store.open(f"sqlite:///{folder / 'hub.db'}", KeyRing.generate())
    try:
        opened.upgrade()
        yield opened
    finally:
        opened.close()


def _sent(page: Interaction, param: str) -> Any:
    """The value of ``param`` a recorded request sent: in its query, else in its JSON body (the list APIs
    that take their filters in a POST body, e.g. Beisen's time windows)."""
    query = dict(parse_qsl(urlsplit(page.uri).query))
    if param in query:
        return query[param]
    try:
        body = json.loads(page.request_body or "null")
    except ValueError:
        return None
    return select(body, param) if isinstance(body, dict) else None


def _record_codes() -> frozenset[str]:
    """The codes of every per-record error: a dead letter of a malformed record carries one of them."""
    found, todo = set(), [RecordError]
    while todo:
        cls = todo.pop()
        found.add(cls.code)
        todo.extend(cls.__subclasses__())
    return frozenset(found)


class ConnectorSuite:
    """Subclass it as ``Test<Connector>`` and set the class attributes; see the module docstring.

    Attributes:
        connector: the connector class, configured as its cassettes were recorded (page size,
            pinned token clock).
        settings: its hub.yaml settings; placeholders only, never real credentials.
        cassettes: the folder of its cassettes (``tests/cassettes/<category>/<name>/``).
        fixtures: the folder of its before/after mapping fixtures.
        stream_cassettes: stream name → cassette file stem of its full pass; default: the stream's name.
        min_stream_pages: the pages every stream's cassette must span (its next link followed).
        min_pages: the pages at least one stream's cassette must span (pagination carried on past
            the second page, where a cursor from a cursor is first used).
        resume: ``(stream, cassette stem)``: the second run, whose first request filters from the
            cursor the stream's full pass leaves.
        retried: ``(stream, cassette stem)``: a pass whose cassette holds a 429 with a wait hint
            (``Retry-After``, or a reset header the client reads: :data:`hub.core.http.RESET_HEADERS`)
            and a 5xx before the pages.
        malformed: ``(stream, cassette stem)``: a pass with at least one record the mapping refuses
            and at least one it takes.
        webhook_samples: raw webhook bodies, as the vendor sends them (required if the connector
            receives webhooks).
        webhook_cassette: the cassette stem the webhooks' records are fetched from, for a vendor
            whose events name records by id (streams with a :class:`~hub.core.connector.Detail`
            endpoint); None: the webhooks fetch nothing.
        mapping_folders: user mapping folders searched before the connector's own mappings
            (``<category>/<name>/<file>.yaml``, as hub.yaml's ``mappings``).
        validators: plugin validators the records also pass (``Registry.validators``).
        phone_region: how numbers without a country code are read when looking for real people.
        allowed_people: exact texts a person scan may find that are known to be made up.
    """

    connector: ClassVar[type[RestConnector]]
    settings: ClassVar[Mapping[str, Any]] = {}
    cassettes: ClassVar[Path]
    fixtures: ClassVar[Path]
    stream_cassettes: ClassVar[Mapping[str, str]] = {}
    min_stream_pages: ClassVar[int] = 2
    min_pages: ClassVar[int] = 3
    resume: ClassVar[tuple[str, str] | None] = None
    retried: ClassVar[tuple[str, str] | None] = None
    malformed: ClassVar[tuple[str, str] | None] = None
    webhook_samples: ClassVar[Sequence[Path]] = ()
    webhook_cassette: ClassVar[str | None] = None
    mapping_folders: ClassVar[Sequence[Path]] = ()
    validators: ClassVar[Sequence[Validator]] = ()
    phone_region: ClassVar[str] = "US"
    allowed_people: ClassVar[Sequence[str]] = ()

    # ---------------------------------------------------------------- what the checks are built from

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """One test per stream (``stream``) and per cassette file (``cassette``), named by them."""
        if "stream" in metafunc.fixturenames:
            metafunc.parametrize("stream", [s.name for s in self.connector.streams])
        if "cassette" in metafunc.fixturenames:
            files = sorted(Path(self.cassettes).glob("*.yaml"))
            metafunc.parametrize("cassette", files, ids=[path.stem for path in files])

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        """A real store in a fresh SQLite file."""
        with sqlite_store(tmp_path) as opened:
            yield opened

    def make_connector(self) -> RestConnector:
        return self.connector(dict(self.settings), mapping_lookup=MappingLookup.of(self.mapping_folders))

    def vcr(self) -> vcr.VCR:
        """The replaying VCR; override to register matchers (e.g. one checking credentials on the wire)."""
        return scrubbing_vcr(Path(self.cassettes))

    def sign_webhook(self, raw_body: bytes, delivery_id: str) -> dict[str, str]:
        """The headers the vendor would send with ``raw_body``: the base HMAC-hex signature
        (:meth:`RestConnector.verify_webhook`) and the delivery id header. Override for other schemes."""
        cls = self.connector
        secret = str(self.settings.get(cls.webhook_secret_setting, ""))
        digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
        headers = {cls.webhook_signature_header: cls.webhook_signature_prefix + digest}
        if cls.webhook_delivery_id_header:
            headers[cls.webhook_delivery_id_header] = delivery_id
        return headers

    def tamper_webhook(self, raw_body: bytes) -> bytes:
        """``raw_body`` changed in what its signature covers: by default the body itself (one space
        added). Override when the vendor signs fields of the body rather than the body (Lever signs
        ``token`` + ``triggeredAt``): change what is signed, or the signature."""
        return raw_body.replace(b"}", b" }", 1)

    def webhook_query(self, raw_body: bytes, delivery_id: str) -> dict[str, str]:
        """The query parameters of the URL the vendor would post ``raw_body`` to; default none.
        Override for a vendor that signs in the URL (Moka's ``?sign=``)."""
        return {}

    def _pulling(self, stream: str | None = None) -> None:
        """Skip a pull check of a stream whose records only arrive by webhook (``Stream.pulled``
        False), or, without ``stream``, of a connector that pulls nothing (a vendor with no API)."""
        pulled = [s.name for s in self.connector.streams if s.pulled]
        if (stream is None and not pulled) or (stream is not None and stream not in pulled):
            pytest.skip(f"{self._where(stream)} pulls nothing: its records arrive by webhook")

    def _where(self, stream: str | None = None) -> str:
        return f"connector {self.connector.name!r}" + (f" stream {stream!r}" if stream else "")

    def _cassette(self, stem: str) -> Path:
        path = Path(self.cassettes) / f"{stem}.yaml"
        if not path.is_file():
            pytest.fail(f"{self._where()}: no cassette {path}; record it (HUB_RECORD_CASSETTES=1) or build it")
        return path

    def _replay(self, store: Store, stem: str, stream: str) -> tuple[SyncReport, Any]:
        """One in-process sync of ``stream`` from cassette ``stem`` (in-process: the cassette counts the requests)."""
        self._cassette(stem)
        try:
            with self.vcr().use_cassette(f"{stem}.yaml") as cassette:
                report = sync(self.make_connector(), store, streams=[stream], prefetch=False,
                              validators=self.validators)
        except CannotOverwriteExistingCassetteException as exc:
            pytest.fail(f"{self._where(stream)} (cassette {stem}): sent a request no recorded interaction matches: "
                        f"{exc.failed_request.method} {redact_url(exc.failed_request.uri)}")  # fmt: skip
        return report, cassette

    def _pages(self, stem: str, stream: Stream) -> list[Interaction]:
        """The recorded pages of a pass over ``stream``: its list's, or for a child stream its parent's
        (a child pass is checkpointed, and counted, by its parent's pages)."""
        listed = self.connector.stream(stream.parent.stream) if stream.parent is not None else stream
        return self._listings(stem, listed)

    def _listings(self, stem: str, stream: Stream) -> list[Interaction]:
        """The cassette's successful requests of ``stream``'s endpoint (a path template's ``{id}``
        matching any one segment)."""
        endpoint = path_pattern(self._base_path() + stream.path)
        return [item for item in interactions(self._cassette(stem))
                if endpoint.fullmatch(item.path) and item.status == 200 and item.method == stream.method]  # fmt: skip

    def _base_path(self) -> str:
        """The path the connector's relative URLs start with: its ``base_url`` setting as the connector
        has it once built (a connector may derive it from others: a domain, a report URL), else the class's."""
        return urlsplit(str(self.make_connector().settings.get("base_url") or self.connector.base_url)).path.rstrip("/")

    def _single_page(self, stream: Stream) -> bool:
        """Whether ``stream``'s list (its parent's, for a child stream) is answered whole, in one page:
        its paginator declares :attr:`~hub.core.paginators.Paginator.single_page`."""
        listed = self.connector.stream(stream.parent.stream) if stream.parent is not None else stream
        return self.make_connector().paginator_for(listed).single_page

    def _records(self, stem: str, stream: Stream) -> list[Any]:
        """The stream's records in the cassette, read as a sync reads them: each page's listed items
        through the connector's ``page_records``, then, for a stream with a detail endpoint, the
        recorded answer of each one's fetch."""
        path = stream.record_path if stream.record_path is not None else self.connector.record_path
        connector = self.make_connector()
        listed = [record for page in self._listings(stem, stream)
                  for record in connector.page_records(stream, select_records(page.json(), path or None))]  # fmt: skip
        return listed if stream.detail is None else self._fetched(stem, stream, listed)

    def _fetched(self, stem: str, stream: Stream, listed: list[Any]) -> list[Any]:
        """The records the cassette's detail answers give for ``listed`` (those that hold one)."""
        detail = stream.detail
        assert detail is not None
        base = self._base_path()
        recorded = [item for item in interactions(self._cassette(stem)) if item.status == 200]
        if "{id}" not in detail.path:  # a batch endpoint: each answer holds the records of many ids
            held = {str(select(record, stream.primary_key)): record for item in recorded if item.path == base + detail.path
                    for record in select_records(item.json(), detail.record_path)}  # fmt: skip
            return [held[str(detail.id_of(item))] for item in listed if str(detail.id_of(item)) in held]
        answers = [(item, item.json()) for item in recorded]
        connector = self.make_connector()
        records = []
        for item in listed:
            record_id = detail.id_of(item)
            bodies = _answers(answers, base + connector.detail_url(stream, record_id)) if record_id is not None else []
            assert bodies, f"{self._where(stream.name)} (cassette {stem}): no recorded answer for {item!r}"
            for body in bodies:  # a detail endpoint that pages (Gusto's single payroll): every page, in order
                records += connector.detail_records(stream, item, body)
        return records

    def _letters(self, store: Store) -> str:
        return "; ".join(f"{letter.stream} {letter.record_ref}: {letter.error_code} {letter.error.get('reason')}"
                         for letter in store.dead_letters(system=self.connector.name)) or "none"  # fmt: skip

    def _full_pass(self, stream: str) -> str:
        """The stem of the cassette of ``stream``'s full pass."""
        return self.stream_cassettes.get(stream, stream)

    def _cursor(self, store: Store, stream: str) -> str | None:
        return StreamState.from_json(store.get_cursor(None, self.connector.name, stream)).since

    def _stored(self, store: Store, stream: Stream, record: Any) -> bool:
        own_id = select(record, stream.primary_key)
        if own_id is None and stream.detail is not None:
            own_id = stream.detail.id_of(record)  # a webhook's record named by id (the listed form)
        return own_id is not None and store.find(self.connector.name, str(own_id), stream.entity) is not None

    # ---------------------------------------------------------------- streams

    def test_stream_is_declared(self, stream: str) -> None:
        declared = self.connector.stream(stream)
        where = self._where(stream)
        assert declared.entity in ENTITY_TYPES, f"{where}: entity {declared.entity!r} is not a canonical kind"
        instance = self.make_connector()
        assert isinstance(instance.paginator_for(declared), Paginator), f"{where}: its paginator is not a Paginator"
        try:
            mapping = load_mapping(instance.mapping_path(declared.mapping_file))
        except (ConfigError, MappingCompileError) as exc:
            pytest.fail(f"{where}: mapping {declared.mapping_file}: {exc}")
        assert (mapping.system, mapping.entity) == (self.connector.name, declared.entity), (
            f"{where}: mapping {declared.mapping_file} maps {mapping.system} {mapping.entity}, "
            f"not {self.connector.name} {declared.entity}")

    def test_stream_pages_through_its_cassette(self, stream: str, store: Store) -> None:
        self._pulling(stream)
        declared, stem = self.connector.stream(stream), self._full_pass(stream)
        recorded = self._pages(stem, declared)
        where = f"{self._where(stream)} (cassette {stem})"
        if self._single_page(declared):
            assert len(recorded) == 1, (
                f"{where}: {len(recorded)} recorded pages of a list its paginator declares unpaged (single_page)")
        else:
            assert len(recorded) >= self.min_stream_pages, (
                f"{where}: {len(recorded)} recorded pages, fewer than {self.min_stream_pages}: paging is not "
                "exercised; record it with a smaller page size")
        report, cassette = self._replay(store, stem, stream)
        assert report.status == "succeeded", f"{where}: the pass {report.status}: {report.streams[0].error}"
        assert report.counters.pages == len(recorded), (
            f"{where}: {report.counters.pages} pages synced, {len(recorded)} recorded")
        assert cassette.all_played, f"{where}: {len(cassette.data) - cassette.play_count} recorded requests never sent"

    def test_a_stream_spans_min_pages(self) -> None:
        self._pulling()
        paged = [s for s in self.connector.streams if s.pulled and not self._single_page(s)]
        if not paged:
            pytest.skip(f"{self._where()} pages no list: every stream's paginator answers in one page (single_page)")
        pages = {s.name: len(self._pages(self._full_pass(s.name), s)) for s in paged}
        assert max(pages.values(), default=0) >= self.min_pages, (
            f"{self._where()}: no stream's cassette spans {self.min_pages} pages ({pages}); "
            "record one with a page size small enough")

    def test_stream_records_map_and_validate(self, stream: str, store: Store) -> None:
        self._pulling(stream)
        declared, stem = self.connector.stream(stream), self._full_pass(stream)
        records = self._records(stem, declared)
        report, _ = self._replay(store, stem, stream)
        where = f"{self._where(stream)} (cassette {stem})"
        assert records, f"{where}: the cassette's pages hold no records"
        assert report.status == "succeeded", f"{where}: the pass {report.status}: {report.streams[0].error}"
        assert report.counters.failed == 0, f"{where}: records refused: {self._letters(store)}"
        missing = [select(r, declared.primary_key) for r in records if not self._stored(store, declared, r)]
        assert not missing, f"{where}: recorded records not stored as {declared.entity}: {missing}"

    # ---------------------------------------------------------------- cursors, retries, dead letters

    def test_cursor_advances_and_a_second_run_resumes_from_it(self, store: Store) -> None:
        self._pulling()
        assert self.resume, f"{self._where()}: set resume = (stream, cassette of the second run)"
        stream, stem = self.resume
        declared = self.connector.stream(stream)
        where = self._where(stream)
        assert declared.cursor_field and declared.incremental_param, f"{where}: the stream has no cursor"
        full = self._full_pass(stream)
        seen = [select(r, declared.cursor_field) for r in self._records(full, declared)]
        latest = str(max(seen))
        report, _ = self._replay(store, full, stream)
        assert report.status == "succeeded", f"{where}: the full pass {report.status}: {report.streams[0].error}"
        assert self._cursor(store, stream) == latest, (
            f"{where}: the cursor is {self._cursor(store, stream)!r} after a full pass, not the latest seen {latest!r}")
        wanted = declared.cursor_format.format(value=latest)
        sent = next((_sent(page, declared.incremental_param) for page in self._pages(stem, declared)[:1]), None)
        assert sent == wanted, f"{where}: cassette {stem} does not start from the cursor ({sent!r}, not {wanted!r})"
        report, cassette = self._replay(store, stem, stream)
        assert report.status == "succeeded" and cassette.all_played, (
            f"{where}: the second run did not resume from the stored cursor: {report.streams[0].error}")
        seen += [select(r, declared.cursor_field) for r in self._records(stem, declared)]
        assert self._cursor(store, stream) == str(max(seen)), (
            f"{where}: the cursor is {self._cursor(store, stream)!r} after the second run, not {str(max(seen))!r}")

    def test_a_429_and_a_5xx_are_retried(self, store: Store) -> None:
        self._pulling()
        assert self.retried, f"{self._where()}: set retried = (stream, cassette with a 429 and a 5xx)"
        stream, stem = self.retried
        where = f"{self._where(stream)} (cassette {stem})"
        recorded = interactions(self._cassette(stem))
        hints = {"retry-after", *(name.lower() for name in RESET_HEADERS)}
        assert any(i.status == 429 and hints & {h.lower() for h in i.response_headers} for i in recorded), (
            f"{where}: the cassette holds no 429 with Retry-After or a rate-limit reset header")
        assert any(500 <= i.status < 600 for i in recorded), f"{where}: the cassette holds no 5xx"
        report, cassette = self._replay(store, stem, stream)
        assert report.status == "succeeded", f"{where}: not retried: {report.streams[0].error}"
        assert cassette.all_played and report.counters.failed == 0, f"{where}: the pass stopped short"

    def test_a_malformed_record_is_dead_lettered_and_the_run_goes_on(self, store: Store) -> None:
        self._pulling()
        assert self.malformed, f"{self._where()}: set malformed = (stream, cassette with a record the mapping refuses)"
        stream, stem = self.malformed
        where = f"{self._where(stream)} (cassette {stem})"
        report, cassette = self._replay(store, stem, stream)
        assert report.status == "succeeded" and cassette.all_played, (
            f"{where}: the run stopped: {report.streams[0].error}")
        assert report.counters.failed >= 1, f"{where}: no record was refused"
        assert report.counters.created >= 1, f"{where}: the good records were not stored beside the bad one"
        letters = store.dead_letters(system=self.connector.name)
        assert len(letters) == report.counters.failed, f"{where}: dead letters: {self._letters(store)}"
        untyped = [letter.error_code for letter in letters if letter.error_code not in _record_codes()]
        assert not untyped and {letter.stream for letter in letters} == {stream}, (
            f"{where}: dead letters without a record error: {self._letters(store)}")

    # ---------------------------------------------------------------- webhooks

    def _samples(self) -> list[Path]:
        if not self.connector.receives_webhooks:
            pytest.skip(f"{self._where()} receives no webhooks")
        assert self.webhook_samples, f"{self._where()} receives webhooks: set webhook_samples"
        return [Path(sample) for sample in self.webhook_samples]

    @contextlib.contextmanager
    def _webhook_fetches(self) -> Iterator[None]:
        """Replay :attr:`webhook_cassette` (repeats allowed: a refused replay fetches again) if it is set."""
        if self.webhook_cassette is None:
            yield
            return
        self._cassette(self.webhook_cassette)
        with self.vcr().use_cassette(f"{self.webhook_cassette}.yaml", allow_playback_repeats=True):
            yield

    def test_a_signed_webhook_is_accepted_and_stored(self, store: Store) -> None:
        connector = self.make_connector()
        for number, sample in enumerate(self._samples()):
            raw = sample.read_bytes()
            delivery = f"hub-testing-{number}"
            headers, query = self.sign_webhook(raw, delivery), self.webhook_query(raw, delivery)
            with self._webhook_fetches():
                counters = ingest_webhook(connector, headers, raw, store, validators=self.validators, query=query)
            pairs = connector.parse_webhook(headers, raw, query=query).records
            where = f"{self._where()} webhook {sample.name}"
            assert pairs and counters.failed == 0, f"{where}: {len(pairs)} records, refused: {self._letters(store)}"
            missing = [(name, select(r, connector.stream(name).primary_key)) for name, r in pairs
                       if not self._stored(store, connector.stream(name), r)]  # fmt: skip
            assert not missing, f"{where}: not stored: {missing}"

    def test_a_webhook_with_a_bad_signature_is_refused(self, store: Store) -> None:
        connector = self.make_connector()
        for sample in self._samples():
            raw = sample.read_bytes()
            tampered = self.tamper_webhook(raw)
            assert tampered != raw, f"{self._where()} webhook {sample.name}: tamper_webhook changed nothing"
            with pytest.raises(WebhookVerificationError) as refused:
                ingest_webhook(connector, self.sign_webhook(raw, "hub-testing-tampered"), tampered, store,
                               validators=self.validators, query=self.webhook_query(raw, "hub-testing-tampered"))
            assert refused.value.http_status == 401, (
                f"{self._where()} webhook {sample.name}: a bad signature answered {refused.value.http_status}")
        assert store.dead_letters(system=self.connector.name) == [], f"{self._where()}: a refused webhook left letters"

    def test_a_replayed_webhook_is_refused(self, store: Store) -> None:
        connector = self.make_connector()
        for sample in self._samples():
            raw = sample.read_bytes()
            headers = self.sign_webhook(raw, f"hub-testing-replay-{sample.name}")
            query = self.webhook_query(raw, f"hub-testing-replay-{sample.name}")
            with self._webhook_fetches():
                ingest_webhook(connector, headers, raw, store, validators=self.validators, query=query)
                with pytest.raises(WebhookRefusedError) as refused:
                    ingest_webhook(connector, headers, raw, store, validators=self.validators, query=query)
            assert isinstance(refused.value, WebhookReplayError) and refused.value.http_status == 409, (
                f"{self._where()} webhook {sample.name}: a replay answered {refused.value!r}")

    # ---------------------------------------------------------------- what recordings must not hold

    def test_cassette_holds_no_credential(self, cassette: Path) -> None:
        secrets = [str(value) for name, value in self.settings.items() if is_sensitive_name(name) and value]
        found = secret_findings(cassette, secrets)
        assert not found, f"{self._where()}: credentials recorded:\n" + "\n".join(found)

    def test_cassette_holds_no_real_person(self, cassette: Path) -> None:
        found = people_findings(cassette, phone_region=self.phone_region, allowed=self.allowed_people)
        assert not found, f"{self._where()}: real-looking people recorded:\n" + "\n".join(found)

    def test_fixtures_hold_no_real_person(self) -> None:
        files = sorted({*Path(self.fixtures).glob("*.json"), *map(Path, self.webhook_samples)})
        found = [f"{path.name}: {what}" for path in files
                 for what in real_looking(texts(_sample(path)), phone_region=self.phone_region,
                                          allowed=self.allowed_people)]  # fmt: skip
        assert not found, f"{self._where()}: real-looking people in fixtures:\n" + "\n".join(found)

    # ---------------------------------------------------------------- before/after fixtures

    def test_mapping_fixtures_pin_the_output(self, stream: str) -> None:
        declared = self.connector.stream(stream)
        pair = FixturePair(Path(self.fixtures), declared.mapping_file)
        where = self._where(stream)
        assert pair.before.is_file(), f"{where}: add {pair.before}: records as its mapping receives them"
        mapping = load_mapping(self.make_connector().mapping_path(declared.mapping_file))
        try:
            produced = canonical(mapping, pair.records(), self.validators)
        except HubError as exc:
            pytest.fail(f"{where}: {pair.before.name} holds a record its mapping refuses: {exc}")
        if updating():
            pair.write(produced)
        assert pair.after.is_file(), f"{where}: add {pair.after} (HUB_UPDATE_FIXTURES=1 writes it; review the diff)"
        expected = pair.expected()
        changed = [n for n, (got, want) in enumerate(itertools.zip_longest(produced, expected)) if got != want]
        assert not changed, (f"{where}: {pair.before.name} no longer maps to {pair.after.name} at records {changed}; "
                             "if the change is meant, rerun with HUB_UPDATE_FIXTURES=1 and review the diff")


def _sample(path: Path) -> Any:
    """A fixture or webhook sample as the people check reads it: JSON parsed, any other body (WeCom's
    XML callbacks) as its text."""
    raw = path.read_bytes()
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _answers(answers: Sequence[tuple[Interaction, Any]], url: str) -> list[Any]:
    """The recorded answers to ``url`` (a path, with the query parameters naming the record when the
    detail endpoint takes its id there, WeCom's ``/user/get?userid=``), in the cassette's order: those
    at that path whose query holds them all (the credential parameters and a page number beside them
    do not count). Several for a record whose detail is paged; none when it was not fetched."""
    wanted = urlsplit(url)
    params = set(parse_qsl(wanted.query))
    return [body for item, body in answers
            if item.path == wanted.path and params <= set(parse_qsl(urlsplit(item.uri).query))]
