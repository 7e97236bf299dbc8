"""Signed webhooks in: the hub's ``POST /v1/webhooks/{connector}`` against a bare endpoint, side by side.

Issue 33's target: ingesting signed webhooks (verify, store, acknowledge) reaches at least 40 % of the
rate of a bare endpoint that only verifies the signature, with one uvicorn worker.

* the hub: ``hub serve`` (one uvicorn worker) over SQLite, or PostgreSQL with ``--database-url``, a
  Greenhouse connector configured in hub.yaml; every webhook is verified, mapped, validated, stored
  with its receipt in one transaction, and answered after the commit;
* the bare endpoint: FastAPI on its own uvicorn process (this file with ``--bare``), whose one route
  reads the body, checks the Greenhouse signature (:func:`hub.core.webhooks.verify_hmac_hex`) and
  answers 200.

Both get the same stream of distinct signed ``offer_created`` webhooks (unique offer ids and
``Greenhouse-Event-ID``), from a small HTTP/1.1 keep-alive client over several connections (raw
asyncio streams, so the client's own cost stays small next to either server's). Rounds alternate
bare / hub so both see the same noise; the ratio is the median of each round's hub / bare (the
medians of the two rates are printed too). At the end the store is counted:
every acknowledged webhook must be there.

Run (about a minute each)::

    .venv/bin/python bench/bench_webhook_ingest.py
    .venv/bin/python bench/bench_webhook_ingest.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import sqlalchemy as sa
import yaml
from fastapi import FastAPI, Request

from hub.core.crypto import KeyRing
from hub.core.webhooks import verify_hmac_hex

SECRET = "bench-webhook-secret"
SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "greenhouse" / "webhook_offer_created.json"
HUB = Path(sys.executable).with_name("hub")
_LENGTH = re.compile(rb"(?i)\r\ncontent-length: *(\d+)")


def bare_app() -> FastAPI:
    """The bare endpoint: read the body, verify the Greenhouse signature, answer 200."""
    app = FastAPI()

    @app.post("/v1/webhooks/{connector}")
    async def receive(connector: str, request: Request) -> dict[str, bool]:
        verify_hmac_hex(SECRET, await request.body(), request.headers.get("signature"), prefix="sha256 ")
        return {"verified": True}

    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(process: subprocess.Popen[bytes], port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def requests(run: str) -> Iterator[bytes]:
    """Distinct signed ``offer_created`` webhooks as raw HTTP/1.1 requests."""
    sample = json.loads(SAMPLE.read_bytes())
    for n in itertools.count():
        sample["payload"].update(id=10_000_000 + n, candidate_id=1003)
        body = json.dumps(sample).encode()
        signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        yield (f"POST /v1/webhooks/greenhouse HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\nSignature: sha256 {signature}\r\n"
               f"Greenhouse-Event-ID: {run}-{n}\r\n\r\n").encode() + body


async def drive(port: int, source: Iterator[bytes], seconds: float, connections: int) -> tuple[int, int, float]:
    """Send webhooks over ``connections`` keep-alive connections for ``seconds``: (200s, others, elapsed)."""
    loop = asyncio.get_running_loop()
    counts = {"ok": 0, "other": 0}
    started = loop.time()
    deadline = started + seconds

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while loop.time() < deadline:
            writer.write(next(source))
            head = await reader.readuntil(b"\r\n\r\n")
            length = _LENGTH.search(head)
            await reader.readexactly(int(length.group(1)) if length else 0)
            counts["ok" if head[9:12] == b"200" else "other"] += 1
        writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return counts["ok"], counts["other"], loop.time() - started


def stored_offers(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("select count(*) from entities where kind = 'offer'")).scalar_one()
    engine.dispose()
    return count


def postgres_schema(url: str) -> tuple[str, str]:
    """A fresh schema on ``url`` for this run: (its URL, its name)."""
    schema = f"bench_webhooks_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return f"{url}?options=-csearch_path%3D{schema}", schema


def drop_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--rounds", type=int, default=8, help="measured rounds of each server, alternating")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one round")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--bare", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the bare server's process
    args = parser.parse_args()
    if args.bare:
        import uvicorn

        uvicorn.run(bare_app(), host="127.0.0.1", port=args.bare, log_level="warning", server_header=False)
        return

    folder = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    schema = None
    database_url = args.database_url or f"sqlite:///{folder / 'hub.db'}"
    if database_url.startswith("postgresql"):
        database_url, schema = postgres_schema(args.database_url)
    config = {"database": {"url": database_url}, "connectors": {"greenhouse": {"type": "greenhouse", "settings": {
        "client_id": "bench", "client_secret": "bench", "webhook_secret": "${BENCH_WEBHOOK_SECRET}"}}}}
    (folder / "hub.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {**os.environ, "HUB_KEYS": KeyRing.generate("k1").to_json(), "BENCH_WEBHOOK_SECRET": SECRET}
    env.pop("HUB_DATABASE_URL", None)
    hub_port, bare_port = free_port(), free_port()
    servers = {
        "hub": subprocess.Popen([str(HUB), "serve", "--port", str(hub_port), "--workers", "1",
                                 "--config", str(folder / "hub.yaml")], env=env),
        "bare": subprocess.Popen([sys.executable, __file__, "--bare", str(bare_port)], env=env),
    }
    ports = {"hub": hub_port, "bare": bare_port}
    try:
        for name, process in servers.items():
            wait_ready(process, ports[name])
        source = requests(uuid.uuid4().hex[:8])
        rates: dict[str, list[float]] = {"bare": [], "hub": []}
        acknowledged = 0
        for round_ in range(args.rounds + 1):  # round 0 warms both up (the hub builds its receiver) and is not counted
            for name in ("bare", "hub"):
                ok, other, elapsed = asyncio.run(drive(ports[name], source, args.seconds if round_ else 1.0,
                                                       args.connections))
                if other:
                    raise SystemExit(f"{name}: {other} answers were not 200")
                acknowledged += ok if name == "hub" else 0
                if round_:
                    rates[name].append(ok / elapsed)
                    print(f"round {round_} {name:4}: {ok / elapsed:8.1f} webhooks/s", flush=True)
        bare, hub = statistics.median(rates["bare"]), statistics.median(rates["hub"])
        ratio = statistics.median(h / b for h, b in zip(rates["hub"], rates["bare"], strict=True))
        stored = stored_offers(database_url)
        engine = "PostgreSQL" if schema else "SQLite"
        print(f"{engine}, 1 worker, {args.connections} connections: bare verify {bare:.1f}/s, hub verify+store+ack "
              f"{hub:.1f}/s, ratio {ratio:.2f} (per-round {min(h / b for h, b in zip(rates['hub'], rates['bare'], strict=True)):.2f}"
              f"..{max(h / b for h, b in zip(rates['hub'], rates['bare'], strict=True)):.2f}; target >= 0.40); stored {stored} of {acknowledged} acknowledged")
        if stored != acknowledged:
            raise SystemExit("acknowledged webhooks are missing from the store")
    finally:
        for process in servers.values():
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        if schema:
            drop_schema(args.database_url, schema)


if __name__ == "__main__":
    main()
