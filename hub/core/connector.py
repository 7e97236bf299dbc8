"""The Connector base classes: what every system adapter declares.

A connector is a class of attributes: its ``name`` (the key used in hub.yaml), its ``category``
(which mirrors its path: ``plugins/<category>/<name>``, ``mapping/<category>/<name>/``,
``tests/cassettes/<category>/<name>/``), the canonical entities it can read and write, and the
documentation it follows. Connector-wide defaults live on the class so streams declare only what
differs.

A REST connector (:class:`RestConnector`) adds a base URL, an authenticator built from its settings,
a retry policy and a tuple of :class:`Stream` declarations; the sync engine (:mod:`hub.core.sync`)
does the rest. Everything vendor-specific that is not a declaration is one of three small methods:
:meth:`RestConnector.authenticator`, :meth:`RestConnector.webhook_records` and, rarely,
:meth:`RestConnector.first_request`.

Example:
    >>> class Acme(Connector):
    ...     name = "acme"
    ...     category = Category.HR_SUITES
    ...     reads = ("candidate", "application")
    >>> Acme.capabilities()
    ['read:candidate', 'read:application']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from hub.core.envelope import Envelope
from hub.core.errors import ConfigError, MalformedPageError, WebhookTooLargeError, WebhookVerificationError
from hub.core.http import HttpClient, Page, RetryPolicy
from hub.core.mapping_files import BUILTIN_MAPPINGS, MappingLookup
from hub.core.paginators import LinkHeaderPaginator, PageRequest, Paginator, select
from hub.core.substreams import Parent, child_pages
from hub.core.webhooks import verify_hmac_hex, webhook_json

__all__ = ["Category", "Connector", "Detail", "Parent", "RestConnector", "Stream", "Tombstones", "WebhookDelivery"]


class Category(StrEnum):
    INTERVIEW_VENDORS = "interview_vendors"
    HR_SUITES = "hr_suites"
    PAYROLL = "payroll"
    ERP = "erp"
    FILES = "files"
    OUTBOUND = "outbound"  # the hub's own protocols for consumers (Standard Webhooks)


class Connector:
    """Base of every connector. Subclasses set the class attributes; ``settings`` come from hub.yaml."""

    name: ClassVar[str]
    category: ClassVar[Category]
    title: ClassVar[str] = ""
    documentation: ClassVar[str] = ""
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    receives_webhooks: ClassVar[bool] = False
    #: The package whose files hold ``<category>/<name>/`` mappings; a third-party connector names its own.
    mapping_package: ClassVar[str] = BUILTIN_MAPPINGS
    #: The settings hub.yaml may give: required ones, ones with defaults, optional ones. Any other key
    #: is refused when the connector is built (a typo such as ``sheeet`` would otherwise be ignored).
    required_settings: ClassVar[tuple[str, ...]] = ()
    default_settings: ClassVar[Mapping[str, Any]] = {}
    optional_settings: ClassVar[tuple[str, ...]] = ()
    #: Settings every connector takes: ``system`` (the name its ids are kept under) and the hub.yaml
    #: name a delivery target is built with.
    common_settings: ClassVar[tuple[str, ...]] = ("system", "target_name")

    def __init__(self, settings: dict[str, Any] | None = None, *,
                 mapping_lookup: MappingLookup = MappingLookup()) -> None:  # fmt: skip
        self.settings = {**self.default_settings, **(settings or {})}
        self.mapping_lookup = mapping_lookup
        known = self.known_settings()
        unknown = sorted(set(self.settings) - known)
        if unknown:
            raise ConfigError(f"connector {self.name!r} has no setting(s) {', '.join(unknown)}; "
                              f"it takes {', '.join(sorted(known))}", system=self.name)  # fmt: skip
        missing = [name for name in self.required_settings if self.settings.get(name) in (None, "")]
        if missing:
            raise ConfigError(f"connector {self.name!r} needs the setting(s) {', '.join(missing)} in hub.yaml",
                              system=self.name)

    @classmethod
    def known_settings(cls) -> frozenset[str]:
        """Every setting name this connector takes (see :attr:`required_settings` and the two after it)."""
        return frozenset({*cls.required_settings, *cls.default_settings, *cls.optional_settings, *cls.common_settings})

    @classmethod
    def capabilities(cls) -> list[str]:
        """What the connector can do, as ``read:<entity>``, ``write:<entity>`` and ``webhooks``."""
        caps = [f"read:{kind}" for kind in cls.reads] + [f"write:{kind}" for kind in cls.writes]
        return caps + (["webhooks"] if cls.receives_webhooks else [])

    @classmethod
    def stream_entities(cls) -> dict[str, str]:
        """Each stream the connector reads and the canonical kind its records become (``hub plugins
        list``); a connector without declared streams (export files) has none to name."""
        return {}

    def mapping_path(self, name: str, *, system: str | None = None) -> Path:
        """The mapping file ``<category>/<system>/<name>`` (``system`` defaults to the connector's name):
        the user's folder's if it has one, else the one in :attr:`mapping_package`.

        Raises:
            ConfigError: no such mapping anywhere (the message lists the places searched).
        """
        return self.mapping_lookup.file(self.mapping_package, str(self.category), system or self.name, name)


@dataclass(frozen=True, kw_only=True)
class Tombstones:
    """An endpoint that lists records the vendor deleted, e.g. ``GET /v1/deleted_candidates``.

    Its records only need the deleted record's id at ``id_path``; the sync engine marks the matching
    entities deleted. It is paged like the stream (same paginator) and filtered by the stream's
    incremental parameter when it has one.

    Example:
        >>> Tombstones(path="/deleted_candidates", id_path="candidate_id").record_path is None
        True
    """

    path: str
    id_path: str = "id"
    record_path: str | None = None


@dataclass(frozen=True, kw_only=True)
class Detail:
    """The endpoint a stream's records are fetched from one by one, for a list endpoint that names
    them by id only: Feishu's ``GET /hire/v1/applications`` lists application ids, each record is
    ``GET /hire/v1/applications/{id}``'s ``data.application``.

    The fetched record is the stream's record everywhere: it is mapped, stored as ``remote_data``,
    read for the cursor and named in dead letters; the listed id is only how it was found. A webhook
    that names a record of such a stream by id (:meth:`RestConnector.webhook_records`) has it fetched
    the same way. An answer without a record at ``record_path`` means the listed item has none (an
    application without an offer) and yields nothing.

    The connector's :meth:`RestConnector.detail_url` names the URL (a path holding more than the id
    fills the rest there) and :meth:`RestConnector.detail_records` reads the answer (one that holds
    several records splits it there).

    A path without ``{id}`` is a batch endpoint, one call for many ids (DingTalk's roster fields take a
    list of user ids in the body): the connector overrides :meth:`RestConnector.details` to call it,
    and the records of its answers (a list at ``record_path``) carry the stream's primary key.

    Attributes:
        path: the record's endpoint, relative to the base URL, with ``{id}`` where its id goes.
        record_path: where the record is in the answer (dotted); None: the answer is the record.
        id_path: where the id is in a listed item; None: the listed item is the id itself.
        params: fixed query parameters of every fetch.

    Example:
        >>> Detail(path="/hire/v1/applications/{id}", record_path="data.application").url("6949805467799537964")
        '/hire/v1/applications/6949805467799537964'
    """

    path: str
    record_path: str | None = None
    id_path: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def id_of(self, listed: Any) -> str | None:
        """The id a listed item names (None when it names none)."""
        value = listed if self.id_path is None else select(listed, self.id_path) if isinstance(listed, dict) else None
        return None if value is None or isinstance(value, (dict, list, bool)) or value == "" else str(value)

    def url(self, record_id: str) -> str:
        """The record's URL; the id is percent-encoded, so an id cannot reach another path."""
        return self.path.format(id=quote(record_id, safe=""))


@dataclass(frozen=True, kw_only=True)
class Stream:
    """One list endpoint of a vendor and the canonical entity its records become.

    Only ``name``, ``entity`` and ``path`` are required; everything else has a default that the
    connector class can override (``None`` here means "the connector's default").

    Attributes:
        name: the stream's name (``hub sync --stream``, cursor key, dead letters).
        entity: the canonical kind (a key of :data:`hub.core.models.ENTITY_TYPES`).
        path: the list endpoint, relative to the connector's base URL.
        method: ``GET``, or ``POST`` for list APIs that take a JSON body (DingTalk).
        record_path: where the records sit in a page (dotted); ``None`` uses
            :attr:`RestConnector.record_path`; ``""`` means the page is the list.
        paginator: a zero-argument factory of a fresh :class:`~hub.core.paginators.Paginator`;
            ``None`` uses :attr:`RestConnector.paginator`.
        params: fixed filters for the first request.
        page_size: records per page; ``None`` uses :attr:`RestConnector.page_size`; 0 sends none.
        cursor_field: dotted path of the incremental field in a raw record (``updated_at``);
            ``None`` makes every run a full pass.
        cursor_param: the request parameter that filters on it; defaults to ``cursor_field``.
        cursor_format: how the value is written into that parameter, e.g. ``"gte|{value}"``.
        mapping: the mapping file name in the connector's mapping folder; defaults to
            ``<entity>.yaml``.
        primary_key: dotted path of the record's own id (used for deletions).
        deleted_field: dotted path of a flag that is true on deleted records (``deleted``,
            ``is_deleted``); such records are marked deleted instead of upserted.
        deleted_value: when set, a record is deleted when its ``deleted_field`` has this value
            rather than when the field is true (BambooHR's change feed: ``"action": "Deleted"``).
        tombstones: an endpoint listing deleted records, see :class:`Tombstones`.
        full_refresh_deletes: after a complete full pass, mark entities of this system and kind
            that the pass did not return as deleted. Set False for streams whose ``params``
            filter the list (an entity filtered out is not deleted).
        pulled: False for records that only arrive by webhook (a vendor with no list endpoint):
            a sync of every stream passes it by; its mapping still maps the webhooks.
        parent: for a child stream, listed per record of another stream (Lever's
            ``/opportunities/{id}/feedback``): that stream (:class:`~hub.core.substreams.Parent`);
            ``path`` is then a template with ``{id}``. A pass pages through the parent's whole list
            (its fixed filters, never an incremental one: when a parent changed says nothing about
            when its children did, so a child stream declares no cursor) and is checkpointed by the
            parent's pages; each child record gets the parent's values under ``_parent``.
        detail: the endpoint each record is fetched from when the list endpoint names records by
            id only, see :class:`Detail`.

    Example:
        >>> s = Stream(name="applications", entity="application", path="/applications",
        ...            cursor_field="updated_at", cursor_format="gte|{value}")
        >>> s.mapping_file, s.incremental_param
        ('application.yaml', 'updated_at')
    """

    name: str
    entity: str
    path: str
    method: str = "GET"
    record_path: str | None = None
    paginator: Callable[[], Paginator] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    page_size: int | None = None
    cursor_field: str | None = None
    cursor_param: str | None = None
    cursor_format: str = "{value}"
    mapping: str | None = None
    primary_key: str = "id"
    deleted_field: str | None = None
    deleted_value: Any = None
    tombstones: Tombstones | None = None
    full_refresh_deletes: bool = True
    pulled: bool = True
    parent: Parent | None = None
    detail: Detail | None = None

    @property
    def mapping_file(self) -> str:
        """The mapping file name: :attr:`mapping` or ``<entity>.yaml``."""
        return self.mapping or f"{self.entity}.yaml"

    @property
    def incremental_param(self) -> str | None:
        """The request parameter carrying the incremental filter, or None for full-pass streams."""
        return self.cursor_param or self.cursor_field


#: The longest delivery id kept (the store's ``webhook_receipts.delivery_id``).
_DELIVERY_ID_MAX = 255


@dataclass(frozen=True)
class WebhookDelivery:
    """A verified webhook: the vendor's id of this delivery (None when it sends none) and its records
    as ``(stream name, raw record)`` pairs.

    Example:
        >>> WebhookDelivery("e-1", [("offers", {"id": 8001})]).delivery_id
        'e-1'
    """

    delivery_id: str | None
    records: list[tuple[str, Any]]


class RestConnector(Connector):
    """A connector for a JSON REST API: class attributes describe it, the sync engine drives it.

    Class attributes (each a connector-wide default; a :class:`Stream` overrides what differs):

    * ``base_url`` — overridable by the ``base_url`` setting in hub.yaml;
    * ``streams`` — the :class:`Stream` declarations; ``reads`` defaults to their entities;
    * ``paginator`` — factory of the default paginator (Link header, as most modern APIs);
    * ``record_path`` — where records sit in a page (None: the page is the list);
    * ``page_size`` / ``page_size_param`` — sent on the first request;
    * ``retry`` — the :class:`~hub.core.http.RetryPolicy`; the ``retry`` setting overrides fields;
    * ``timeout`` — seconds per attempt; ``headers`` — sent on every request;
    * ``envelope`` — the vendor's ``{code, msg}`` answer envelope (:class:`~hub.core.envelope.Envelope`),
      for vendors that report a failed call in the body of an HTTP 200; None: the HTTP status decides;
    * ``error_message_header`` — the header a vendor names a failed request's reason in (BambooHR's
      ``X-BambooHR-Error-Message``), read into the error; None: the body is all there is;
    * ``default_settings`` — defaults for settings; ``required_settings`` — names that must be set;
    * ``webhook_secret_setting``, ``webhook_signature_header``, ``webhook_signature_prefix`` — the
      HMAC-hex webhook check used by :meth:`verify_webhook`; ``webhook_delivery_id_header`` — the
      header with the vendor's id of each delivery, the key replays are refused by;
      ``webhook_query_params`` — the query parameters of the URL the vendor posts to (a signature there);
    * ``webhook_max_bytes`` — the largest webhook body taken; the setting of that name overrides it.

    Override :meth:`authenticator` to build the auth from settings, and :meth:`webhook_records` to
    turn a verified webhook body into records.

    Example:
        >>> from hub.core.auth import BearerTokenAuth
        >>> class Acme(RestConnector):
        ...     name, category = "acme", Category.HR_SUITES
        ...     base_url = "https://api.acme.example/v2"
        ...     required_settings = ("token",)
        ...     streams = (Stream(name="candidates", entity="candidate", path="/candidates",
        ...                       cursor_field="updated_at", cursor_param="updated_since"),)
        ...     required_settings = ("token",)
        ...     def authenticator(self):
        ...         return BearerTokenAuth(self.setting("token"))
        >>> Acme.reads
        ('candidate',)
        >>> Acme({"token": "t"}).first_request(Acme.streams[0], since="2024-01-01").params
        {'per_page': 100, 'updated_since': '2024-01-01'}
    """

    base_url: ClassVar[str] = ""
    streams: ClassVar[tuple[Stream, ...]] = ()
    paginator: ClassVar[Callable[[], Paginator]] = LinkHeaderPaginator
    record_path: ClassVar[str | None] = None
    page_size: ClassVar[int] = 100
    page_size_param: ClassVar[str] = "per_page"
    retry: ClassVar[RetryPolicy] = RetryPolicy()
    timeout: ClassVar[float] = 30.0
    headers: ClassVar[Mapping[str, str]] = {"Accept": "application/json"}
    envelope: ClassVar[Envelope | None] = None
    error_message_header: ClassVar[str | None] = None
    common_settings: ClassVar[tuple[str, ...]] = (*Connector.common_settings, "base_url", "retry", "timeout",
                                                  "webhook_max_bytes")
    webhook_secret_setting: ClassVar[str] = "webhook_secret"
    webhook_signature_header: ClassVar[str] = "Signature"
    webhook_signature_prefix: ClassVar[str] = "sha256 "
    webhook_delivery_id_header: ClassVar[str | None] = None
    #: The query parameters a vendor puts on the URL it posts to (Moka: ``sign``); any other is refused.
    webhook_query_params: ClassVar[tuple[str, ...]] = ()
    webhook_max_bytes: ClassVar[int] = 1 << 20

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "reads" not in cls.__dict__ and cls.streams:
            cls.reads = tuple(dict.fromkeys(stream.entity for stream in cls.streams))
        names = [stream.name for stream in cls.streams]
        if len(names) != len(set(names)):
            raise ConfigError(f"{cls.__name__} declares a stream name twice: {names}")
        for stream in cls.streams:
            if stream.parent is not None and (stream.parent.stream not in names or stream.cursor_field):
                raise ConfigError(f"{cls.__name__} stream {stream.name!r}: a child stream names a stream of the same "
                                  "connector as its parent and declares no cursor")  # fmt: skip

    @classmethod
    def known_settings(cls) -> frozenset[str]:
        return super().known_settings() | {cls.webhook_secret_setting}

    @classmethod
    def stream_entities(cls) -> dict[str, str]:
        """Every declared stream by name; one that only arrives by webhook (``pulled=False``) says so."""
        return {stream.name if stream.pulled else f"{stream.name} (webhook)": stream.entity for stream in cls.streams}

    # -- settings and the HTTP client

    def setting(self, name: str) -> Any:
        """A setting from hub.yaml (or ``default_settings``); :class:`ConfigError` if it is not set."""
        value = self.settings.get(name)
        if value in (None, ""):
            raise ConfigError(f"connector {self.name!r} needs the setting {name!r} in hub.yaml", system=self.name)
        return value

    def authenticator(self) -> httpx.Auth | None:
        """The ``httpx.Auth`` for every request, built from settings (see :mod:`hub.core.auth`)."""
        return None

    def retry_policy(self) -> RetryPolicy:
        """The class's :attr:`retry` with the fields of the ``retry`` setting laid over it."""
        overrides = self.settings.get("retry") or {}
        if not isinstance(overrides, Mapping):
            raise ConfigError(f"connector {self.name!r}: setting 'retry' must be a mapping", system=self.name)
        try:
            return RetryPolicy(**{**self.retry.model_dump(), **overrides})
        except ValueError as exc:
            raise ConfigError(f"connector {self.name!r}: bad 'retry' setting: {exc}", system=self.name) from None

    def client(self, *, transport: httpx.BaseTransport | None = None, authenticated: bool = True,
               envelope: Envelope | None = None) -> HttpClient:
        """A fresh :class:`~hub.core.http.HttpClient` for this connector's base URL, auth and policy;
        ``authenticated=False`` leaves the auth out, for endpoints whose URL is the credential (a WeCom
        group bot's ``?key=``); ``envelope`` replaces the connector's for a service whose answer the
        caller judges record by record (a bulk save that refuses some records and saves the rest)."""
        return HttpClient(
            str(self.settings.get("base_url") or self.base_url),
            headers=self.headers,
            auth=self.authenticator() if authenticated else None,
            retry=self.retry_policy(),
            timeout=float(self.settings.get("timeout", self.timeout)),
            system=self.name,
            transport=transport,
            envelope=envelope or self.envelope,
            error_message_header=self.error_message_header,
        )

    # -- streams

    @classmethod
    def stream(cls, name: str) -> Stream:
        """The stream called ``name``; :class:`ConfigError` listing the known ones otherwise."""
        for stream in cls.streams:
            if stream.name == name:
                return stream
        known = ", ".join(s.name for s in cls.streams) or "none"
        raise ConfigError(f"connector {cls.name!r} has no stream {name!r}; streams: {known}", system=cls.name)

    def prepare_page(self, client: HttpClient, stream: Stream, records: list[Any]) -> list[Any]:
        """Copies of a page's records with extra values the stream's mapping reads; default: as they are.

        Override it when one source path per rule is not enough: derived keys, sub-resources joined
        with ``client``. Return one item per record, in order, and never modify the originals: the
        engine maps the copies and stores the originals as ``remote_data``, exactly as the vendor sent
        them. Called for pulled pages, webhook records and dead-letter replays alike.
        """
        return records

    def paginator_for(self, stream: Stream) -> Paginator:
        """A fresh paginator for one pass over ``stream``."""
        return (stream.paginator or type(self).paginator)()

    def pages(self, client: HttpClient, stream: Stream, request: PageRequest, *, tombstones: bool = False) -> Iterator[Page]:
        """Every page of one pass over ``stream`` (or its tombstones endpoint) from ``request`` on,
        with a fresh paginator and the records taken from the stream's record path (what a sync
        and a migration both list): the listed items as :meth:`page_records` gives them, each
        fetched from the stream's :class:`Detail` endpoint when it has one."""
        record_path = (stream.tombstones.record_path if tombstones and stream.tombstones
                       else stream.record_path or self.record_path) or None  # fmt: skip
        if stream.parent is not None and not tombstones:
            parent = self.stream(stream.parent.stream)
            size = self.page_size if stream.page_size is None else stream.page_size
            return child_pages(client, self.pages(client, parent, request), stream.parent, stream.path,
                               lambda: self.paginator_for(stream), records_path=record_path, parent_name=parent.name,
                               params={**stream.params, **({self.page_size_param: size} if size else {})})
        pages = client.paginate(request.url, self.paginator_for(stream), method=stream.method, params=request.params,
                                json=request.json, records_path=record_path)  # fmt: skip
        if tombstones or (stream.detail is None and type(self).page_records is RestConnector.page_records):
            return pages  # nothing to do to the listed pages: the sync's hot path as it was
        return (replace(page, records=self.details(client, stream, self.page_records(stream, page.records)))
                for page in pages)

    def page_records(self, stream: Stream, listed: list[Any]) -> list[Any]:
        """The stream's records in one listed page; default: the listed items as they are.

        Override it for a list whose items hold the records (Feishu's interviews hold their
        interview records): a pure function of the page, so a cassette's pages can be read the way
        a sync reads them (:class:`hub.testing.ConnectorSuite`).
        """
        return listed

    def details(self, client: HttpClient, stream: Stream, listed: list[Any]) -> list[Any]:
        """The records ``listed`` names, each fetched from the stream's :class:`Detail` endpoint, in
        order (one that has none skipped); for a stream without one, ``listed`` itself.

        Raises:
            MalformedPageError: a listed item names no id.
            ConnectorError: a fetch failed (the page fails, as a failed list request does).
        """
        detail = stream.detail
        if detail is None:
            return listed
        records = []
        for item in listed:
            record_id = detail.id_of(item)
            if record_id is None:
                raise MalformedPageError(f"a listed {stream.name} item names no id"
                                         + (f" at {detail.id_path!r}" if detail.id_path else ""),
                                         system=self.name, stream=stream.name)  # fmt: skip
            body = client.get_json(self.detail_url(stream, record_id), params=dict(detail.params) or None)
            records += self.detail_records(stream, item, body)
        return records

    def detail_url(self, stream: Stream, record_id: str) -> str:
        """The URL ``record_id`` of ``stream`` is fetched from; default: its :class:`Detail`'s ``url``.

        Override it for a detail path holding more than the id, filled from settings (Gusto's
        ``/v1/companies/{company_uuid}/payrolls/{id}``): :meth:`details` and the standard suite's
        reading of recorded fetches both ask here, so what the suite checks is what a sync requests.
        """
        assert stream.detail is not None, f"stream {stream.name!r} has no detail endpoint"
        return stream.detail.url(record_id)

    def detail_records(self, stream: Stream, listed: Any, body: Any) -> list[Any]:
        """The records one fetch of ``listed`` answered with ``body``; default: the record at the
        :class:`Detail`'s ``record_path``, none when it is absent or empty (the listed item has none).

        Override it for an answer that holds several of the stream's records (Gusto's single payroll:
        one payslip per employee it paid). A pure function of the answer, like :meth:`page_records`,
        so :class:`hub.testing.ConnectorSuite` reads a cassette's fetches the way :meth:`details` does:
        every recorded answer at the record's URL, in order. A connector whose detail endpoint pages
        overrides :meth:`details` to follow the pages and calls this once per page (Gusto).
        """
        detail = stream.detail
        assert detail is not None, f"stream {stream.name!r} has no detail endpoint"
        record = select(body, detail.record_path) if detail.record_path else body
        return [] if record is None or record == {} else [record]

    def first_request(self, stream: Stream, *, since: str | None, tombstones: bool = False) -> PageRequest:
        """The first request of a pass: fixed params, page size and the incremental filter.

        Args:
            stream: the stream.
            since: the incremental value to filter from (None = a full pass).
            tombstones: the request for the stream's tombstones endpoint (without the stream's
                fixed ``params``) instead of its list endpoint.
        """
        if tombstones and stream.tombstones is None:
            raise ConfigError(f"stream {stream.name!r} has no tombstones endpoint", system=self.name)
        if stream.parent is not None and not tombstones:  # a child pass lists all its parent's pages
            return self.first_request(self.stream(stream.parent.stream), since=None)
        params = {} if tombstones else dict(stream.params)
        size = self.page_size if stream.page_size is None else stream.page_size
        if size:
            params[self.page_size_param] = size
        if since is not None and stream.incremental_param:
            params[stream.incremental_param] = stream.cursor_format.format(value=since)
        return PageRequest(stream.tombstones.path if tombstones and stream.tombstones else stream.path, params)

    def export_settings(self) -> dict[str, Any] | None:
        """The files connector's settings (``path``, ``mappings`` ...) of an export this connector's
        vendor hands over instead of an API, or None: ``hub migrate --source <key>`` then reads that
        file rather than the streams. Default: None (a connector that pulls)."""
        return None

    # -- webhooks

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes, *,
                      query: Mapping[str, str] | None = None) -> WebhookDelivery:
        """Check a pushed webhook's size and signature and return its delivery id and records.

        The size comes first: a body over ``webhook_max_bytes`` is refused before any work is done
        on it, signature included. ``query`` holds the query parameters of the URL the vendor
        posted to, for vendors that sign there (Moka's ``?sign=``).

        Raises:
            WebhookTooLargeError: the body is over the limit.
            WebhookVerificationError: the signature is wrong, the body is not JSON, or the connector
                takes no webhooks.
        """
        if not self.receives_webhooks:
            raise WebhookVerificationError(f"connector {self.name!r} does not receive webhooks", system=self.name)
        limit = self.webhook_limit()
        if len(raw_body) > limit:
            raise WebhookTooLargeError(f"the webhook body has {len(raw_body)} bytes, over the limit of {limit} "
                                       "(setting webhook_max_bytes)", system=self.name)  # fmt: skip
        delivery_id = self.verify_webhook_request(headers, query or {}, raw_body)
        if delivery_id is not None and len(delivery_id) > _DELIVERY_ID_MAX:
            raise WebhookVerificationError(f"the delivery id is longer than {_DELIVERY_ID_MAX} characters",
                                           system=self.name)  # fmt: skip
        pairs = self.webhook_records(self.webhook_body(raw_body))
        for stream_name, _record in pairs:
            self.stream(stream_name)
        return WebhookDelivery(delivery_id, pairs)

    def webhook_limit(self) -> int:
        """The largest webhook body taken, in bytes: the ``webhook_max_bytes`` setting or the class's."""
        limit = self.settings.get("webhook_max_bytes", self.webhook_max_bytes)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise ConfigError(f"connector {self.name!r}: setting 'webhook_max_bytes' must be a positive number of "
                              f"bytes, not {limit!r}", system=self.name)  # fmt: skip
        return limit

    def verify_webhook_request(self, headers: Mapping[str, str], query: Mapping[str, str],
                               raw_body: bytes) -> str | None:
        """Check a delivery with all it arrived with (headers, the URL's query parameters, the body)
        and return the vendor's id of it; default: :meth:`verify_webhook`, which reads headers only.

        Override this, not :meth:`verify_webhook`, for a vendor that signs in the URL (Moka:
        ``?sign=<hex>``) or names the delivery in the body.
        """
        return self.verify_webhook(headers, raw_body)

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> str | None:
        """Check the vendor's signature and return its id of this delivery (None if it sends none).

        By default: a hex HMAC-SHA256 of the raw body in a header, and the id from
        ``webhook_delivery_id_header``. A connector on another scheme overrides this, e.g. Standard
        Webhooks: ``return StandardWebhook(secret).verify(raw_body, headers)`` (signed timestamp and id).
        """
        lowered = {key.lower(): value for key, value in headers.items()}
        verify_hmac_hex(self.setting(self.webhook_secret_setting), raw_body,
                        lowered.get(self.webhook_signature_header.lower()), prefix=self.webhook_signature_prefix)
        header = self.webhook_delivery_id_header
        return (lowered.get(header.lower()) or None) if header else None

    def webhook_body(self, raw_body: bytes) -> Any:
        """A verified delivery's body as :meth:`webhook_records` reads it; default: JSON
        (:func:`~hub.core.webhooks.webhook_json`). Override for a vendor that posts another format or
        seals the event inside the body (WeCom: XML with an encrypted ``<Encrypt>``)."""
        return webhook_json(raw_body, self.name)

    def webhook_records(self, body: Any) -> list[tuple[str, Any]]:
        """Turn a verified webhook body into ``(stream name, raw record)`` pairs; vendor-specific.

        For a stream with a :class:`Detail` endpoint the record may be what its list names (the id):
        :meth:`resolve_webhook` fetches it before it is stored.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement webhook_records()")

    def resolve_webhook(self, client: HttpClient, delivery: WebhookDelivery) -> WebhookDelivery:
        """The delivery with the records it names by id fetched (streams with a :class:`Detail`
        endpoint; events that carry only ids, as Feishu's do), in order; the others as they are.

        Raises:
            ConnectorError: a fetch failed; nothing of the delivery is stored, the vendor retries it.
        """
        if not any(self.stream(name).detail for name, _ in delivery.records):
            return delivery
        records = [(name, fetched) for name, record in delivery.records
                   for fetched in self.details(client, self.stream(name), [record])]  # fmt: skip
        return WebhookDelivery(delivery.delivery_id, records)

    def webhook_handshake(self, query: Mapping[str, str]) -> str | None:
        """The plain text a vendor's URL check by ``GET`` expects (WeCom: the decrypted ``echostr``),
        or None, the default, for a connector whose vendor makes none (the GET is then a 404).

        ``query`` holds the URL's parameters (only those in ``webhook_query_params``). The connector
        checks the request's signature before answering (raising :class:`WebhookVerificationError`).
        """
        return None

    def webhook_answer(self, headers: Mapping[str, str], raw_body: bytes) -> Mapping[str, Any] | None:
        """The JSON a vendor's handshake expects in answer, in place of a delivery to store (Feishu's
        ``url_verification`` wants its ``challenge`` back); None, the default, for a delivery.

        The connector checks the handshake as it sees fit before answering (raising
        :class:`WebhookVerificationError`); nothing of it is stored. The body's size was checked before.
        """
        return None

    def webhook_receipt(self) -> Mapping[str, Any] | None:
        """The JSON a vendor expects in answer to a delivery the hub has stored (or stored before: a
        vendor's retry of one whose answer it lost), in place of the hub's ``{"received": ...}`` count;
        None, the default, for the hub's answer. DingTalk, WeCom and Yonyou want an encrypted ``success``
        and send the delivery again until they get it (Yonyou for 24 hours)."""
        return None
