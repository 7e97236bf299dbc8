"""What the webhooks-out tests share: a subscription's hub.yaml around the local consumer
(:mod:`tests.webhooks_out.receiver`), the project (hub.yaml, store, `hub` as a subprocess) and people."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.core.config import HubConfig
from hub.core.crypto import KeyRing
from hub.core.delivery import DeliveryRunner, attach_routes
from hub.core.models import Candidate, Provenance
from hub.core.store import Store
from tests.webhooks_out.receiver import Receiver

#: The subscription's secret (fixed: the fixtures and the tests importing this module must agree on it).
SECRET = "whsec_" + base64.b64encode(b"webhooks-out: the tests secret!!").decode()
FETCHED = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
ROUTE = "candidates-to-payroll"
NAME, PHONE, EMAIL = "王芳", "+8613800138000", "wang.fang@example.com"


def settings(receiver: Receiver, tmp_path: Path, *, events: list[str] | None = None, pii: bool = False,
             max_attempts: int = 3) -> dict[str, Any]:
    """hub.yaml as a dict: one subscription (its secret from the environment, as in production) and its route."""
    route: dict[str, Any] = {"name": ROUTE, "entity": "candidate", "target": "payroll_hook", "max_attempts": max_attempts}
    if events is not None:
        route["events"] = events
    hook = {"url": receiver.url, "secrets": ["${PAYROLL_WHSEC}"], "pii": pii, "timeout": 5,
            "retry": {"backoff_base": 0.01, "backoff_cap": 0.02}}
    return {"database": {"url": f"sqlite:///{tmp_path / 'hub.db'}"},
            "connectors": {"payroll_hook": {"type": "webhook", "settings": hook}}, "routes": [route]}


@pytest.fixture(autouse=True)
def whsec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYROLL_WHSEC", SECRET)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(SECRET) as consumer:
        yield consumer


@pytest.fixture
def keyring() -> KeyRing:
    return KeyRing.generate()


class Project:
    """hub.yaml, the store the hub writes, and `hub ...` run as a subprocess on them."""

    def __init__(self, tmp_path: Path, keyring: KeyRing, hub_cmd: list[str], config: dict[str, Any]) -> None:
        self.tmp_path, self.keyring, self.hub_cmd = tmp_path, keyring, hub_cmd
        self.write(config)

    def write(self, config: dict[str, Any]) -> None:
        self.raw = config
        (self.tmp_path / "hub.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    @property
    def config(self) -> HubConfig:
        return HubConfig.model_validate({**self.raw, "connectors": {
            name: {**c, "settings": {**c["settings"], "secrets": [SECRET]}} for name, c in self.raw["connectors"].items()}})

    def store(self) -> Store:
        store = Store.open(self.raw["database"]["url"], self.keyring)
        store.upgrade()
        attach_routes(store, self.config)
        return store

    def env(self) -> dict[str, str]:
        return {**os.environ, "HUB_CONFIG": str(self.tmp_path / "hub.yaml"), "HUB_KEYS": self.keyring.to_json()}

    def hub(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.hub_cmd, *args], env=self.env(), capture_output=True, text=True, timeout=120,
                              cwd=self.tmp_path)

    def json(self, *args: str) -> Any:
        done = self.hub(*args, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def person(n: int = 1, *, title: str = "candidate", **fields: Any) -> Candidate:
    return Candidate(external_ids={"beisen": f"c{n}"}, name=NAME, phones=[PHONE], emails=[EMAIL], tags=[title],
                     provenance=Provenance(system="beisen", fetched_at=FETCHED), **fields)


def upsert(store: Store, *people: Candidate) -> list[str]:
    with store.transaction() as tx:
        return store.upsert_many(tx, "beisen", list(people)).ids


def deliver(project: Project, store: Store, timeout: float = 10) -> dict[str, dict[str, int]]:
    runner = DeliveryRunner(store, project.config)
    try:
        return runner.drain(timeout=timeout).counters
    finally:
        runner.close()
