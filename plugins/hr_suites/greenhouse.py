"""Greenhouse Harvest **v3**: the reference REST connector (issue 7, point 7).

Harvest v1/v2 are retired; this follows only the v3 documents at https://harvestdocs.greenhouse.io
(facts and sources in docs/connectors/greenhouse.md). What is declaration:

* OAuth2 client credentials — ``POST https://auth.greenhouse.io/token`` with HTTP Basic client id and
  secret, form ``grant_type=client_credentials&sub=<user_id>``; the bearer token is cached until it
  expires and refreshed once on a 401 (:class:`~hub.core.auth.OAuth2ClientCredentials`);
* Link-header cursor pagination — filters and ``per_page`` on the first request only, then the
  ``rel="next"`` URL exactly (:class:`~hub.core.paginators.LinkHeaderPaginator`, the base's default);
* the v3 incremental filter ``updated_at=gte|<ISO 8601>`` on every stream;
* 429 with ``Retry-After`` / ``X-RateLimit-Reset`` and 5xx retried by the base retry policy;
* webhooks verified with ``Signature: sha256 <hex>`` over the raw body (the base's default check), a
  delivery received twice refused by its ``Greenhouse-Event-ID`` header.

What is not, done under ``_hub`` on a *copy* of each record (:meth:`Greenhouse.prepare_page`, rules in
docs/connectors/greenhouse.md): scorecards get their attribute ratings joined from
``/v3/scorecard_candidate_attributes`` and ``/v3/job_candidate_attributes`` (other responses than the
page), and offers their salary custom field, whose key is a connector setting (``salary_field``).
Everything else the mappings derive themselves, as data: the joined name, every email and phone,
the status key from status, prospect and stage (``join``, ``[*]`` and ``key`` rules, docs/mapping.md).

Shapes the v3 documents leave open are kept raw, never guessed: the salary custom field's ``value``
(read as text always; as money only in the ``currency`` ``{amount, unit}`` shape), the webhook payloads
(published examples are v1-shaped), token response fields.

hub.yaml::

    connectors:
      greenhouse:
        client_id: ${GREENHOUSE_CLIENT_ID}
        client_secret: ${GREENHOUSE_CLIENT_SECRET}
        user_id: "4080"                 # the Greenhouse user the token acts as (`sub`); optional
        salary_field: salary            # the offer custom field holding salary (its immutable key)
        salary_period: annually         # pay period when the field does not say (optional)
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from hub import hookimpl
from hub.core.auth import OAuth2ClientCredentials
from hub.core.chunks import chunks
from hub.core.connector import Category, RestConnector, Stream
from hub.core.errors import MalformedPageError
from hub.core.http import HttpClient
from hub.core.paginators import LinkHeaderPaginator

from plugins.hr_suites.greenhouse_write import GreenhouseWrites  # the write side (delivery), kept apart

__all__ = ["Greenhouse", "join_attributes", "offer_salary"]


def _incremental(name: str, entity: str) -> Stream:
    """A v3 list endpoint filtered by ``updated_at=gte|<last seen>`` (every v3 list takes it)."""
    return Stream(name=name, entity=entity, path=f"/{name}", cursor_field="updated_at", cursor_format="gte|{value}")


def offer_salary(record: Mapping[str, Any], field: str, default_period: str | None) -> dict[str, Any] | None:
    """The salary custom field as ``text`` (always), ``currency`` and ``period`` (``currency`` type only).

    v3 leaves the value's shape per type open; the v1/webhook shapes are ``"Around $100k"``
    (short_text), ``{"amount", "unit"}`` (currency) and ``{"min_value", "max_value", "unit"}``
    (currency_range). Only the currency shape is read as money; everything is kept as text.

    Example:
        >>> offer_salary({"custom_fields": {"salary": {"type": "currency", "value": {"amount": 5, "unit": "EUR"}}}},
        ...              "salary", "annually")
        {'text': '{"amount":5,"unit":"EUR"}', 'currency': {'amount': 5, 'unit': 'EUR'}, 'period': 'annually'}
    """
    fields = record.get("custom_fields")
    custom = fields.get(field) if isinstance(fields, dict) else None
    if not isinstance(custom, dict) or custom.get("value") is None:
        return None
    value = custom["value"]
    salary: dict[str, Any] = {"text": value if isinstance(value, str)
                              else json.dumps(value, sort_keys=True, separators=(",", ":"))}
    if custom.get("type") == "currency" and isinstance(value, dict) and {"amount", "unit"} <= value.keys():
        salary["currency"] = value
        period = custom.get("frequency") or default_period
        if period:
            salary["period"] = period
    return salary


def join_attributes(ratings: Iterable[Mapping[str, Any]], names: Mapping[Any, str]) -> dict[Any, list[dict[str, Any]]]:
    """Scorecard id → its attribute rows ``{job_candidate_attribute_id, name, candidate_attribute_rating, note}``.

    Example:
        >>> join_attributes([{"scorecard_id": 1, "job_candidate_attribute_id": 6, "candidate_attribute_rating": "yes",
        ...                   "note": None}], {6: "Communication"})[1][0]["name"]
        'Communication'
    """
    joined: dict[Any, list[dict[str, Any]]] = {}
    for row in ratings:
        attribute = row.get("job_candidate_attribute_id")
        joined.setdefault(row.get("scorecard_id"), []).append({
            "job_candidate_attribute_id": attribute, "name": names.get(attribute),
            "candidate_attribute_rating": row.get("candidate_attribute_rating"), "note": row.get("note")})
    return joined


def _us_date(value: Any) -> Any:
    """A webhook's ``MM/DD/YYYY`` as ISO 8601; anything else as sent (the mapping then names it)."""
    try:
        return dt.datetime.strptime(value, "%m/%d/%Y").date().isoformat()
    except (TypeError, ValueError):
        return value


# ---------------------------------------------------------------- the connector


class Greenhouse(GreenhouseWrites, RestConnector):
    """Greenhouse Harvest v3 → candidates, applications, assessments (scorecards), offers, jobs, departments;
    application moves and rejections back (the write side, :mod:`plugins.hr_suites.greenhouse_write`).

    Example:
        >>> gh = Greenhouse({"client_id": "cid", "client_secret": "secret", "user_id": "4080"})
        >>> gh.first_request(gh.stream("offers"), since="2024-06-06T00:00:00.000Z").params
        {'per_page': 100, 'updated_at': 'gte|2024-06-06T00:00:00.000Z'}
    """

    name = "greenhouse"
    category = Category.HR_SUITES
    title = "Greenhouse Harvest v3"
    documentation = "https://harvestdocs.greenhouse.io"
    base_url = "https://harvest.greenhouse.io/v3"
    receives_webhooks = True
    webhook_delivery_id_header = "Greenhouse-Event-ID"
    required_settings = ("client_id", "client_secret")
    optional_settings = ("user_id", "salary_period", "rejection_reasons", "default_rejection_reason_id")
    default_settings = {"token_url": "https://auth.greenhouse.io/token", "salary_field": "salary"}
    streams = (
        _incremental("departments", "department"),
        _incremental("jobs", "job"),
        _incremental("candidates", "candidate"),
        _incremental("applications", "application"),
        _incremental("scorecards", "assessment"),
        _incremental("offers", "offer"),
    )
    token_clock: Callable[[], float] = staticmethod(time.time)  # when the cached token expires; tests pin it

    def authenticator(self) -> OAuth2ClientCredentials:
        user_id = self.settings.get("user_id")
        return OAuth2ClientCredentials(self.setting("token_url"), self.setting("client_id"),
                                       self.setting("client_secret"), extra={"sub": str(user_id)} if user_id else None,
                                       clock=type(self).token_clock)

    def prepare_page(self, client: HttpClient, stream: Stream, records: list[Any]) -> list[Any]:
        """Copies of a page's records with the ``_hub`` values the stream's mapping reads: what a
        mapping cannot derive from the record alone (the other responses scorecards are joined with,
        the salary field the connector's settings name).

        The originals are not touched: the engine stores them as ``remote_data``.
        """
        derive: Callable[[dict[str, Any]], dict[str, Any]]
        if stream.name == "offers":
            derive = lambda r: {"salary": self._salary(r)}  # noqa: E731 — one use, reads best here
        elif stream.name == "scorecards":
            joined = self._attributes(client, [r["id"] for r in records if isinstance(r, dict) and "id" in r])
            derive = lambda r: {"attributes": joined.get(r.get("id"), [])}  # noqa: E731 — one use, reads best here
        else:
            return records
        return [{**r, "_hub": derive(r)} if isinstance(r, dict) else r for r in records]

    def _attributes(self, client: HttpClient, scorecard_ids: list[Any]) -> dict[Any, list[dict[str, Any]]]:
        """The attribute rows of these scorecards, named from ``/v3/job_candidate_attributes``."""
        if not scorecard_ids:
            return {}
        ratings = self._list(client, "/scorecard_candidate_attributes", {"scorecard_ids": scorecard_ids})
        wanted = sorted({r["job_candidate_attribute_id"] for r in ratings if r.get("job_candidate_attribute_id")})
        names: dict[Any, str] = {}
        for chunk in chunks(wanted, 50):  # `ids` takes at most 50 [oas]
            names.update((a["id"], a.get("name")) for a in self._list(client, "/job_candidate_attributes", {"ids": chunk}))
        return join_attributes(ratings, names)

    def _list(self, client: HttpClient, path: str, filters: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
        params: dict[str, Any] = {k: ",".join(map(str, v)) for k, v in filters.items()}
        params[self.page_size_param] = self.page_size
        return [r for page in client.paginate(path, LinkHeaderPaginator(), params=params) for r in page.records]

    def webhook_records(self, body: Any) -> list[tuple[str, Any]]:
        """Offer webhooks (``offer_created``/``offer_updated``) as v3-shaped offer records.

        The published payloads are v1-shaped (``offer_status``, ``start_date`` as MM/DD/YYYY, no
        ``candidate_id``): they are renamed to the v3 list fields; anything else is kept as sent.
        Other events carry no record the hub stores yet and yield nothing.
        """
        if not isinstance(body, dict) or body.get("action") not in ("offer_created", "offer_updated"):
            return []
        payload = body.get("payload") or {}
        if not isinstance(payload, dict):
            raise MalformedPageError("an offer webhook's payload is not an object", system=self.name, stream="offers")
        payload = dict(payload)
        if "offer_status" in payload:
            payload["status"] = payload.pop("offer_status")
        if "start_date" in payload:
            payload["starts_on"] = _us_date(payload.pop("start_date"))
        return [("offers", {**payload, "_hub": {"salary": self._salary(payload)}})]

    def _salary(self, offer: Mapping[str, Any]) -> dict[str, Any] | None:
        """:func:`offer_salary` of the custom field and default period hub.yaml configures."""
        return offer_salary(offer, self.setting("salary_field"), self.settings.get("salary_period"))


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``greenhouse = "plugins.hr_suites.greenhouse"`` registers this module."""
    return [Greenhouse]
