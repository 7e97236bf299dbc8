"""Webhooks out: canonical changes sent to a consumer's URL as Standard Webhooks messages.

A consumer subscribes with one ``webhook`` connector (its endpoint: URL and secrets) and one route per
entity kind it wants (which kinds, which changes: the route's ``events``, and its ``when`` tests)::

    connectors:
      payroll_hook:
        type: webhook
        settings:
          url: https://payroll.example.com/hooks/hub
          secrets: ["${PAYROLL_WHSEC}"]       # whsec_<base64>; two while rotating (`hub webhooks secret`)
          pii: false                           # default: the person's values masked in the message
    routes:
      - {name: offers-to-payroll, entity: offer, target: payroll_hook, events: [created, updated, deleted]}

Each outbox entry becomes one POST of the recommended Standard Webhooks body
``{"type": "offer.updated", "timestamp": "<ISO 8601>", "data": {...the entity...}}`` with the headers
``webhook-id`` (:attr:`~hub.core.delivery.Delivery.key`: the same for every attempt of the entry, so a
consumer that keeps the ids it has processed takes a repeat — a retry, or a resend after a crash
between its answer and the hub's bookkeeping — once), ``webhook-timestamp`` (this attempt's time)
and ``webhook-signature`` (a ``v1,`` entry per secret: :class:`~hub.core.webhooks.StandardWebhook`).

Answers: 2xx is delivered; 408, 429, 5xx, timeouts and network errors are retried by the delivery
runner with back-off (one request per attempt, so each carries a fresh timestamp and signature) and
the entry is dead after the route's ``max_attempts``; any other answer, redirects included, is the
consumer's refusal and a dead letter at once (`hub webhooks failures`, `hub webhooks replay`).

``data`` is the entity with every PII value masked (:func:`hub.core.models.masked`: the last four
characters at most), which is enough to know *what* changed and fetch the rest through an audited
read. ``pii: true`` sends the values in plaintext: the consumer then holds personal data outside the
hub's encryption, erasure and audit, so grant it only to a system that is itself a processor of that
data, and only over HTTPS (plain ``http://`` is refused except to this machine, for tests). Each
such delivery is in the audit log as a ``read_pii`` by ``target:<connector name>``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import time
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import urlsplit

from hub import hookimpl
from hub.core.connector import Category, Connector
from hub.core.delivery import Delivery, DeliveryTarget
from hub.core.errors import ConfigError
from hub.core.http import HttpClient, RetryPolicy
from hub.core.mapping_files import MappingLookup
from hub.core.models import ENTITY_TYPES, masked
from hub.core.webhooks import StandardWebhook

__all__ = ["WebhookTarget", "message"]


def message(item: Delivery, *, pii: bool, now: dt.datetime) -> dict[str, Any]:
    """The Standard Webhooks body of ``item``: type ``<kind>.<event>``, the time, the entity as ``data``.

    Example:
        >>> from hub.core.models import Candidate
        >>> person = Candidate(id="c-1", name="王芳", phones=["+8613800138000"])
        >>> item = Delivery(route="r", kind="candidate", entity_id="c-1", version=1, payload={}, external_id=None, entity=person)
        >>> message(item, pii=False, now=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
        {'type': 'candidate.created', 'timestamp': '2026-01-02T00:00:00Z', 'data': {'id': 'c-1', 'external_ids': {}, 'name': '**', 'phones': '[**********8000]', 'tags': []}}
    """
    entity = item.entity
    if entity is None:
        raise ConfigError(f"delivery {item.key} carries no entity; the webhook message is built from it")
    data = entity.model_dump(mode="json", exclude_none=True) if pii else masked(entity)
    return {"type": f"{item.kind}.{item.event}", "timestamp": now.isoformat().replace("+00:00", "Z"), "data": data}


class _AsIs:
    """The "reverse mapping" of a webhook: the canonical entity is the consumer's format."""

    def reverse(self, canonical: dict[str, Any]) -> dict[str, Any]:
        return canonical


class WebhookTarget(DeliveryTarget, Connector):
    """Sends each delivery to ``url`` as a signed Standard Webhooks message (see the module docstring).

    Example:
        >>> target = WebhookTarget({"url": "https://hooks.example.com/hub", "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]})
        >>> target.host, target.discloses_pii, len(WebhookTarget.writes) > 5
        ('hooks.example.com', False, True)
    """

    name = "webhook"  # hub.yaml's `type:`; `hub webhooks` lists the connectors of this type
    category = Category.OUTBOUND
    title = "Standard Webhooks (out)"
    documentation = "https://www.standardwebhooks.com/"
    writes: ClassVar[tuple[str, ...]] = tuple(ENTITY_TYPES)
    required_settings = ("url", "secrets")
    default_settings = {"pii": False, "timeout": 10.0}
    optional_settings = ("retry",)
    #: Back-off between the runner's attempts; each attempt is a single request (no retry inside it).
    retry: ClassVar[RetryPolicy] = RetryPolicy(max_attempts=1)

    def __init__(self, settings: dict[str, Any] | None = None, *, mapping_lookup: MappingLookup = MappingLookup(),
                 clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        super().__init__(settings, mapping_lookup=mapping_lookup)
        where = str(self.settings.get("target_name") or self.name)
        self.url = str(self.settings["url"])
        self.host = _checked_host(self.url, where)
        secrets = self.settings["secrets"]
        self.signer = StandardWebhook([secrets] if isinstance(secrets, str) else list(secrets))
        self.discloses_pii = self.settings["pii"]
        if not isinstance(self.discloses_pii, bool):
            raise ConfigError(f"pii must be true or false, not {self.discloses_pii!r}", system=where)
        try:  # checked here, so `hub routes check` reports a bad value rather than the first delivery
            self.policy = RetryPolicy(**{**self.retry.model_dump(), **(self.settings.get("retry") or {}), "max_attempts": 1})
            self.timeout = float(self.settings["timeout"])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"bad 'retry' or 'timeout' setting: {exc}", system=where) from None
        self._clock = clock
        self._http: HttpClient | None = None

    def retry_policy(self) -> RetryPolicy:
        """The runner's back-off between attempts: :attr:`retry` with the ``retry`` setting laid over it."""
        return self.policy

    def reverse_mapping(self, kind: str) -> Any:
        """No mapping file: the payload a dry run shows and a dead letter keeps is the canonical entity."""
        return _AsIs()

    def deliver(self, item: Delivery) -> None:
        """POST the signed message; raise the HTTP layer's typed error for anything but a 2xx.

        A webhook has no id at the consumer to remember, so nothing is returned (nothing is linked).
        """
        now = self._clock()
        body = json.dumps(message(item, pii=self.discloses_pii, now=dt.datetime.fromtimestamp(now, dt.UTC)),
                          ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"content-type": "application/json", **self.signer.headers(item.key, int(now), body)}
        self._client().request("POST", self.url, content=body, headers=headers)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def _client(self) -> HttpClient:
        if self._http is None:
            self._http = HttpClient(retry=self.policy, timeout=self.timeout, system=self.name)
        return self._http


def _checked_host(url: str, where: str) -> str:
    """The URL's host; :class:`ConfigError` unless it is https, or http to this machine (tests)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"webhook url must be an https:// URL, not {url!r}", system=where)
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ConfigError(f"webhook url {parts.scheme}://{parts.hostname}: use https (http only to localhost)", system=where)
    return parts.hostname


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@hookimpl
def hub_register_connectors() -> list[type[Connector]]:
    """The entry point ``webhook = "plugins.outbound.webhook"`` registers this module."""
    return [WebhookTarget]
