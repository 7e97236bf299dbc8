"""Any AI-interview vendor, without Python: exports and signed webhooks, configured per vendor (issue 34, point 1).

No AI-interview vendor the hub's users name publishes an API (HireVue's portal is partner-gated; Hina,
iFlytek and Baidu document none: ../shared/reference/ai-interview-vendors.md). Results arrive as an
Excel/CSV export or as webhooks to a URL the customer gives the vendor, signed as the customer's contract
says. So this connector is not any one vendor's: everything vendor-specific is data.

* the mapping folder ``interview_vendors/<vendor>/`` (the ``vendor`` setting; a folder of hub.yaml's
  ``mappings`` wins over the built-in example ``ai_interview``): ``export/`` maps an export's rows
  (every file applied to every row, as the files connector does), ``webhook/assessment.yaml`` one
  record of a webhook body;
* the webhook signature (``signature``, a :class:`~hub.core.webhooks.SignatureScheme`: SHA-256 or SHA-1,
  hex or base64, header, prefix, signed content with or without a timestamp, tolerance, delivery-id
  header) and ``webhook_secret``;
* where the record sits in a webhook body (``record_path``: an object there is one record, a list
  many; ``""`` the body itself), and which events carry one (``event_path`` and ``events``: a
  delivery of another event is acknowledged and nothing is stored).

Exports are read by the files connector's reader (``hub migrate --source <key>`` with ``path`` set;
:meth:`AiInterviewVendor.export_settings`); webhooks are received by ``hub serve`` at
``POST /v1/webhooks/<key>`` and take the sync record path. There is nothing to pull: ``hub sync`` passes
the connector by, and says so when its stream is named.

hub.yaml::

    connectors:
      acme_ai:
        type: ai_interview
        settings:
          vendor: acme_ai                      # mappings/interview_vendors/acme_ai/ (default: the example)
          path: exports/acme_results.xlsx      # the export `hub migrate --source acme_ai` reads (optional)
          webhook_secret: ${ACME_AI_WEBHOOK_SECRET}
          record_path: data
          event_path: event                    # optional: only these events carry a result
          events: [interview.completed]
          signature: {algorithm: sha256, encoding: hex, header: X-Signature,
                      signed_content: "{timestamp}.{body}", timestamp_header: X-Timestamp,
                      tolerance_seconds: 300, delivery_id_header: X-Delivery-Id}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub import hookimpl
from hub.core.connector import Category, RestConnector, Stream
from hub.core.errors import ConfigError, MalformedPageError
from hub.core.http import HttpClient, Page
from hub.core.mapping_files import MappingLookup
from hub.core.paginators import PageRequest, select
from hub.core.webhooks import SignatureScheme

__all__ = ["AiInterviewVendor"]

#: The settings of the files connector an export is read with, passed on as they are.
_EXPORT_SETTINGS = ("format", "encoding", "sheet", "delimiter")


class AiInterviewVendor(RestConnector):
    """An AI-interview vendor's exports and signed webhooks → assessments (and what the export folder maps).

    Example:
        >>> vendor = AiInterviewVendor({"webhook_secret": "s", "record_path": "data"})
        >>> vendor.webhook_records({"event": "interview.completed", "data": {"result_id": "R-1"}})
        [('results', {'result_id': 'R-1'})]
        >>> only = AiInterviewVendor({"webhook_secret": "s", "record_path": "data", "event_path": "event",
        ...                           "events": ["interview.completed"]})
        >>> only.webhook_records({"event": "interview.invited", "data": {"result_id": "R-1"}})
        []
        >>> vendor.mapping_path("webhook/assessment.yaml").parent.parent.name
        'ai_interview'
    """

    name = "ai_interview"
    category = Category.INTERVIEW_VENDORS
    title = "Any AI-interview vendor: its export files and signed webhooks, configured by a mapping folder"
    documentation = "docs/ai_interview_vendors.md (no vendor publishes an API; the signature is the customer's contract)"
    receives_webhooks = True
    #: Webhook results are assessments; the example export folder also maps each row's candidate and job.
    reads = ("assessment", "candidate", "job")
    streams = (Stream(name="results", entity="assessment", path="", mapping="webhook/assessment.yaml", pulled=False),)
    required_settings = ("vendor",)
    default_settings: Mapping[str, Any] = {"vendor": "ai_interview", "record_path": "", "signature": {}}
    optional_settings = ("path", "event_path", "events", *_EXPORT_SETTINGS)

    def __init__(self, settings: dict[str, Any] | None = None, *,
                 mapping_lookup: MappingLookup = MappingLookup()) -> None:  # fmt: skip
        super().__init__(settings, mapping_lookup=mapping_lookup)
        self.scheme  # a wrong scheme is refused when the connector is built, not on the first delivery

    @cached_property
    def scheme(self) -> SignatureScheme:
        """The ``signature`` setting as a :class:`SignatureScheme` (its defaults: hex HMAC-SHA256 of the body)."""
        try:
            return SignatureScheme.model_validate(self.settings["signature"])
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'signature'}: {e['msg']}" for e in exc.errors())
            raise ConfigError(f"connector {self.name!r}: bad 'signature' setting: {problems}", system=self.name) from None

    @property
    def vendor(self) -> str:
        """The mapping folder's name, ``interview_vendors/<vendor>/``."""
        return str(self.setting("vendor"))

    def mapping_path(self, name: str, *, system: str | None = None) -> Path:
        """``interview_vendors/<vendor>/<name>``: the vendor's folder, not the connector's name."""
        return super().mapping_path(name, system=system or self.vendor)

    # -- exports

    def export_settings(self) -> dict[str, Any] | None:
        """The files connector's settings for the configured export (``path``), mapped by the vendor
        folder's ``export/`` (the first folder in lookup order that has one); None without ``path``.

        Raises:
            ConfigError: ``path`` is set but no ``interview_vendors/<vendor>/export/`` folder exists.
        """
        if not self.settings.get("path"):
            return None
        places = self.mapping_lookup.places(self.mapping_package, str(self.category), self.vendor)
        folder = next((place / "export" for place in places if (place / "export").is_dir()), None)
        if folder is None:
            raise ConfigError(f"no export mappings for vendor {self.vendor!r}; looked in "
                              f"{', '.join(str(place / 'export') for place in places)}", system=self.name)  # fmt: skip
        extra = {key: self.settings[key] for key in _EXPORT_SETTINGS if self.settings.get(key) is not None}
        return {"path": str(self.settings["path"]), "mappings": str(folder), **extra}

    def pages(self, client: HttpClient, stream: Stream, request: PageRequest, *, tombstones: bool = False) -> Iterator[Page]:
        """Nothing to pull: a vendor without an API pushes webhooks or hands over exports."""
        raise ConfigError(f"connector {self.name!r} has nothing to pull: its webhooks arrive through `hub serve` "
                          "and its exports through `hub migrate --source <key>` (setting `path`)", system=self.name)

    # -- webhooks

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> str | None:
        """The configured scheme's check; the delivery id is its header's value, else the signature."""
        return self.scheme.verify(self.setting(self.webhook_secret_setting), raw_body, headers)

    def webhook_records(self, body: Any) -> list[tuple[str, Any]]:
        """The record(s) at ``record_path``: an object is one result, a list several; none when
        ``event_path`` is set and the body's event is not one of ``events``.

        Raises:
            MalformedPageError: nothing, or neither an object nor a list, is there (answered 400).
        """
        event_path, events = self.settings.get("event_path"), self.settings.get("events") or ()
        if event_path and select(body, str(event_path)) not in events:
            return []
        path = str(self.settings.get("record_path") or "")
        found = select(body, path) if path else body
        if isinstance(found, dict):
            return [("results", found)]
        if isinstance(found, list):
            return [("results", record) for record in found]
        where = f"at {path!r}" if path else "as the body"
        raise MalformedPageError(f"the webhook has no result object or list {where} (setting record_path)",
                                 system=self.name, stream="results")  # fmt: skip


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``ai_interview = "plugins.interview_vendors.generic"`` registers this module."""
    return [AiInterviewVendor]
