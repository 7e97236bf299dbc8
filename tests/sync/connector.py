"""A tiny REST connector for the sync tests, talking to :class:`tests.support.fault_server.FaultServer`.

It is registered through a plugin *object* (:data:`PLUGIN`), never an entry point, so the installed
hub never lists it. Its mapping files live in ``tests/fixtures/sync/mapping``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub import hookimpl
from hub.core.auth import OAuth2ClientCredentials
from hub.core.connector import Category, RestConnector, Stream, Tombstones
from hub.core.http import RetryPolicy
from hub.core.paginators import CursorPaginator

__all__ = ["FaultConnector", "PLUGIN", "record"]

MAPPING = Path(__file__).resolve().parents[1] / "fixtures" / "sync" / "mapping"


def record(i: int, **changes: Any) -> dict[str, Any]:
    """The fault server's i-th job record; ``updated_at`` grows with ``i`` but not in page order."""
    minute = (i * 7919) % 10_000  # a permutation: pages are not sorted by updated_at
    base = {"id": i, "name": f"Job {i}", "status": "open", "updated_at": f"2024-01-{1 + minute // 1440:02d}T"
            f"{minute % 1440 // 60:02d}:{minute % 60:02d}:00Z"}
    return {**base, **changes}


class FaultConnector(RestConnector):
    """Jobs from ``/records`` (Link header, Greenhouse-style) and ``/cursor`` (Feishu-style).

    ``jobs`` treats ``"deleted": true`` records as deletions; ``jobs_tombstoned`` lists the same
    records and then the deleted ones' ids from ``/deleted``.
    """

    name = "faultsrv"
    category = Category.HR_SUITES
    receives_webhooks = True
    required_settings = ("base_url",)
    optional_settings = ("client_id", "client_secret")
    page_size = 25
    retry = RetryPolicy(max_attempts=4, max_elapsed_seconds=20, backoff_base=0.01, backoff_cap=0.05)
    streams = (
        Stream(name="jobs", entity="job", path="/records", cursor_field="updated_at", cursor_format="gte|{value}",
               deleted_field="deleted"),
        Stream(name="feishu_jobs", entity="job", path="/cursor", record_path="data.items", page_size=0,
               paginator=lambda: CursorPaginator(cursor_path="data.page_token", cursor_param="page_token",
                                                 has_more_path="data.has_more")),
        Stream(name="candidates", entity="candidate", path="/candidates"),
        Stream(name="jobs_tombstoned", entity="job", path="/records", cursor_field="updated_at",
               cursor_format="gte|{value}", tombstones=Tombstones(path="/deleted", id_path="job_id")),
    )

    def mapping_path(self, name: str, *, system: str | None = None) -> Path:
        return MAPPING / name

    def authenticator(self) -> OAuth2ClientCredentials | None:
        if not self.settings.get("client_id"):
            return None
        return OAuth2ClientCredentials(self.setting("base_url") + "/token", self.setting("client_id"),
                                       self.setting("client_secret"))

    def webhook_records(self, body: Any) -> list[tuple[str, Any]]:
        return [(item["stream"], item["record"]) for item in body["events"]]


class _Plugin:
    @hookimpl
    def hub_register_connectors(self) -> list[type[RestConnector]]:
        return [FaultConnector]

    @hookimpl
    def hub_register_validators(self) -> list[Any]:
        return [lambda entity: ["'forbidden' is not a job title"] if getattr(entity, "title", "") == "forbidden" else []]


PLUGIN = _Plugin()
