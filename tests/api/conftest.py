"""The HTTP service under test: a real ``hub serve`` (uvicorn) on 127.0.0.1, a real httpx client, a
real store. The test seeds and inspects the store through its own :class:`Store` on the same database,
with the same key ring, while the server runs in its own process (so it can be SIGKILLed).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from hub.core.crypto import KeyRing
from hub.core.store import Store
from tests.conftest import HUB


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HubServer:
    """``hub serve`` on a free port over ``database_url`` with hub.yaml ``config`` (merged over the defaults)."""

    def __init__(self, folder: Path, database_url: str | None = None, config: dict[str, Any] | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.database_url = database_url or f"sqlite:///{folder / 'hub.db'}"
        self.keyring = KeyRing.generate("k1")
        self.config_path = folder / "hub.yaml"
        self.config_path.write_text(yaml.safe_dump({"database": {"url": self.database_url}, **(config or {})},
                                                   allow_unicode=True), encoding="utf-8")
        self.env = {**os.environ, "HUB_KEYS": self.keyring.to_json(), "HUB_CONFIG": str(self.config_path),
                    **(env or {})}
        self.env.pop("HUB_DATABASE_URL", None)
        self.store = Store.open(self.database_url, self.keyring)
        self.store.upgrade()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> HubServer:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(self.folder / f"serve-{self.port}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen([str(HUB), "serve", "--port", str(self.port), "--config", str(self.config_path)],
                                        env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hub serve exited with {self.process.returncode}: {self.output()}")
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"hub serve did not answer within {timeout}s: {self.output()}")

    def output(self) -> str:
        self.log.flush()
        return (self.folder / f"serve-{self.port}.log").read_text(errors="replace")

    def token(self, role: str = "hr_admin", *, name: str | None = None, days: float = 1, **scope: Any) -> str:
        """A new token with ``role`` and ``scope`` (departments, interviewer, kinds, subject, pii_read)."""
        name = name or f"{role}-{time.monotonic_ns()}"
        token, _ = self.store.api_tokens.create(name, role, created_by="test", **scope,
                                                expires_at=self.store.now() + dt.timedelta(days=days))
        return token

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, nothing is flushed."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.process is not None:
            self.log.close()
        self.store.close()


@pytest.fixture
def hub_server_factory(tmp_path: Path) -> Iterator[Any]:
    """``make(database_url=None, config=None, env=None, start=True)`` → a :class:`HubServer`, stopped afterwards."""
    servers: list[HubServer] = []

    def make(database_url: str | None = None, config: dict[str, Any] | None = None,
             env: dict[str, str] | None = None, start: bool = True) -> HubServer:
        folder = tmp_path / f"server{len(servers)}"
        folder.mkdir()
        server = HubServer(folder, database_url, config, env)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def hub_server(hub_server_factory: Any) -> HubServer:
    """A running ``hub serve`` over a SQLite file, default hub.yaml."""
    return hub_server_factory()
