"""A local Greenhouse Harvest v3 look-alike for benchmarks: made-up applications or candidates, paged.

Why a server of our own: the benchmark must measure the hub (and its peer, dlt) against the wire
protocol Greenhouse documents, not against a mock of our HTTP layer, and it must be deterministic and
large (100,000 records) without hitting a real tenant. It behaves as
https://harvestdocs.greenhouse.io describes for list endpoints:

* ``POST /token`` answers a client-credentials request with a bearer token (any client id);
* ``GET /v3/applications`` and ``GET /v3/candidates`` return bare JSON arrays of v3-shaped records,
  ``per_page`` (1–500, default 100) on the first request, ``updated_at=gte|<ISO 8601>`` (also
  ``gt``/``lte``/``lt``) as the incremental filter;
* every page but the last carries ``Link: <…?cursor=…>; rel="next"``; the cursor is URL-safe Base64
  of the first request's filters, and a request that adds any other parameter to a cursor gets 422,
  as the pagination guide warns;
* a request without ``Authorization: Bearer …`` gets 401.

Records are a pure function of their index (``record(resource, i)``), so both sides of a benchmark
read exactly the same data; ``updated_at`` grows with the index, one second apart.

Run it on its own (prints the base URL, serves until interrupted)::

    .venv/bin/python bench/greenhouse_server.py --records 100000 --port 8765

or use :class:`GreenhouseServer` from a script (it starts this file as a child process, so serving
pages does not compete with the client being measured for the GIL).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import functools
import json
import math
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["EPOCH", "GreenhouseServer", "RESOURCES", "record", "timestamp"]

EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
RESOURCES = ("applications", "candidates")
_NAIVE_EPOCH = EPOCH.replace(tzinfo=None)  # isoformat of a naive time is 3x faster than strftime
TOKEN = "bench-access-token"
_STAGES = ("Application Review", "Recruiter Phone Screen", "Phone Interview", "Take Home Test", "Face to Face",
           "Onsite Interview", "Reference Check", "Offer", "Portfolio Review")
_FIRST = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn")
_LAST = ("Rivera", "Chen", "Okafor", "Novak", "Haddad", "Silva", "Kowalski", "Tanaka", "Moreau", "Larsen")
_OPERATORS = ("gte", "gt", "lte", "lt")


def timestamp(i: int) -> str:
    """``updated_at`` of record ``i``: one second after record ``i - 1``, v3 style (UTC, milliseconds)."""
    return (_NAIVE_EPOCH + dt.timedelta(seconds=i)).isoformat(timespec="milliseconds") + "Z"


def _application(i: int) -> dict[str, Any]:
    kind = i % 20  # 15 in process (4 of them prospects or stage-less), 3 rejected, 1 hired, 1 converted
    status = "rejected" if kind in (15, 16, 17) else "hired" if kind == 18 else "converted" if kind == 19 else "in_process"
    prospect = kind == 14
    stage = _STAGES[i % len(_STAGES)] if status == "in_process" and not prospect and kind != 13 else None
    created = timestamp(i - 3600 if i > 3600 else 0)
    return {
        "id": 10_000_000 + i, "created_at": created, "updated_at": timestamp(i), "agency_note_id": None,
        "candidate_id": 20_000_000 + i // 2, "coordinator_id": 9000 + i % 7 if i % 3 else None,
        "job_id": None if prospect else 50_000 + i % 40, "job_post_id": 60_000 + i % 40, "recruiter_id": 9000 + i % 5,
        "referrer_id": None, "rejection_reason_id": 7000 + i % 4 if status == "rejected" else None,
        "source_id": 11 + i % 6, "stage_id": 77_000 + i % 9 if stage else None,
        "job_interview_stage_id": 78_000 + i % 9 if stage else None, "stage_name": stage, "status": status,
        "needs_decision": i % 11 == 0, "prospect": prospect,
        "rejected_at": timestamp(i) if status == "rejected" else None, "last_activity_at": timestamp(i),
        "location_address": None, "answers": [{"question": "How did you hear about us?", "answer": "A friend"}],
        "prospective_job_ids": [50_000 + (i + 1) % 40] if prospect else [],
        "custom_fields": {"desired_start": {"name": "Desired start", "type": "short_text", "value": "ASAP"}},
    }


def _candidate(i: int) -> dict[str, Any]:
    first, last = _FIRST[i % len(_FIRST)], _LAST[i // len(_FIRST) % len(_LAST)]
    return {
        "id": 20_000_000 + i, "created_at": timestamp(i - 3600 if i > 3600 else 0), "updated_at": timestamp(i),
        "first_name": first, "last_name": last, "preferred_name": None, "company": "Example Corp", "title": "Engineer",
        "last_activity_at": timestamp(i), "private": False, "can_email": True, "time_zone": "America/New_York",
        "tags": ["referral"] if i % 5 == 0 else [], "linked_user_ids": [], "custom_fields": {},
        "phone_numbers": [{"value": f"+1 415-555-{i % 10_000:04d}", "type": "mobile"}],
        "email_addresses": [{"value": f"{first.lower()}.{last.lower()}.{i}@example.com", "type": "personal"}],
        "addresses": [{"value": f"{i % 900 + 1} Example Street, Springfield", "type": "home"}] if i % 4 == 0 else [],
        "website_addresses": [], "social_media_addresses": [],
    }


def record(resource: str, i: int) -> dict[str, Any]:
    """The ``i``-th record (0-based) of ``resource``, v3-shaped and made up.

    Example:
        >>> record("applications", 7)["updated_at"]
        '2024-01-01T00:00:07.000Z'
    """
    return _application(i) if resource == "applications" else _candidate(i)


def _cursor(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _uncursor(text: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def _index_range(count: int, op: str, value: str) -> tuple[int, int]:
    """The index range [start, stop) matching ``updated_at <op> value``: record i is at EPOCH + i s."""
    seconds = (dt.datetime.fromisoformat(value.replace("Z", "+00:00")) - EPOCH).total_seconds()
    start, stop = {
        "gte": (math.ceil(seconds), count), "gt": (math.floor(seconds) + 1, count),
        "lte": (0, math.floor(seconds) + 1), "lt": (0, math.ceil(seconds)),
    }[op]
    return max(0, start), min(count, stop)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real API behind a load balancer
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 — the stdlib's signature
        """Silence the per-request log line: 1,000 pages would drown the benchmark output."""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str, field: str | None = None) -> None:
        body: dict[str, Any] = {"message": message}
        if field:
            body = {"message": "Validation error", "errors": [{"message": message, "field": field}]}
        self._send(status, json.dumps(body).encode())

    def do_POST(self) -> None:  # noqa: N802 — the stdlib's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if urlsplit(self.path).path != "/token":
            self._error(404, "Resource not found")
            return
        expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        self._send(200, json.dumps({"token_type": "Bearer", "access_token": TOKEN, "expires_at": expires}).encode())

    def do_GET(self) -> None:  # noqa: N802 — the stdlib's naming
        parts = urlsplit(self.path)
        resource = parts.path.removeprefix("/v3/")
        if resource not in RESOURCES or resource != self.server.resource:
            self._error(404, "Resource not found")
            return
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._error(401, "Unauthorized")
            return
        query = parse_qsl(parts.query, keep_blank_values=True)
        params = dict(query)
        if "cursor" in params:
            if len(query) != 1:
                self._error(422, "cursor must be the only query parameter", "cursor")
                return
            state = _uncursor(params["cursor"])
        else:
            state = self._first_state(params)
            if state is None:
                return
        body, next_state = self.server.page(state["start"], state["stop"], state["per_page"])
        headers = {"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "49"}
        if next_state is not None:
            host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
            headers["Link"] = f'<http://{host}/v3/{resource}?cursor={_cursor(next_state)}>; rel="next"'
        self._send(200, body, headers)

    def _first_state(self, params: dict[str, str]) -> dict[str, int] | None:
        try:
            per_page = int(params.get("per_page", "100"))
        except ValueError:
            per_page = 0
        if not 1 <= per_page <= 500:
            self._error(422, "must be between 1 and 500", "per_page")
            return None
        start, stop = 0, self.server.count
        if "updated_at" in params:
            op, _, value = params["updated_at"].partition("|")
            try:
                if op not in _OPERATORS:
                    raise ValueError(op)
                start, stop = _index_range(self.server.count, op, value)
            except ValueError:
                self._error(422, "expected <gte|gt|lte|lt>|<ISO 8601>", "updated_at")
                return None
        return {"start": start, "stop": stop, "per_page": per_page}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, resource: str, count: int, *, prerender: bool = False) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.resource, self.count = resource, count
        self.page = functools.lru_cache(maxsize=None if prerender else 64)(self._page)
        if prerender:  # the full listing at the default page size, so no client pays for rendering
            for start in range(0, count, 100):
                self.page(start, count, 100)

    def _page(self, start: int, stop: int, per_page: int) -> tuple[bytes, dict[str, int] | None]:
        end = min(stop, start + per_page)
        body = json.dumps([record(self.resource, i) for i in range(start, end)], separators=(",", ":")).encode()
        return body, ({"start": end, "stop": stop, "per_page": per_page} if end < stop else None)


class GreenhouseServer:
    """The server in a child process, for ``with`` blocks in benchmark scripts.

    Example:
        >>> with GreenhouseServer(records=250) as server:          # doctest: +SKIP
        ...     httpx.get(server.base_url + "/applications", headers=auth).headers["link"]
        '<http://127.0.0.1:41234/v3/applications?cursor=eyJ…>; rel="next"'
    """

    def __init__(self, *, records: int, resource: str = "applications", port: int = 0, prerender: bool = False) -> None:
        if resource not in RESOURCES:
            raise ValueError(f"resource must be one of {RESOURCES}, not {resource!r}")
        self.records, self.resource, self.port, self.prerender = records, resource, port, prerender
        self._process: subprocess.Popen[str] | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v3``: the Harvest base URL to configure."""
        return f"http://127.0.0.1:{self.port}/v3"

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def __enter__(self) -> GreenhouseServer:
        command = [sys.executable, __file__, "--records", str(self.records), "--resource", self.resource,
                   "--port", str(self.port)] + (["--prerender"] if self.prerender else [])
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()  # "serving N <resource> at http://127.0.0.1:<port>/v3"
        if not line.startswith("serving"):
            self._process.kill()
            raise RuntimeError("the Greenhouse bench server did not start")
        self.port = int(line.rsplit(":", 1)[1].split("/")[0])
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--resource", choices=RESOURCES, default="applications")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--prerender", action="store_true",
                        help="render every page of the full listing (per_page 100) before serving")
    args = parser.parse_args(argv)
    server = _Server(args.port, args.resource, args.records, prerender=args.prerender)
    print(f"serving {args.records} {args.resource} at http://127.0.0.1:{server.server_address[1]}/v3", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
