"""A local Greenhouse Harvest v3 *write* target: the server side of the protocol as documented.

Implements what plugins/hr_suites/greenhouse_write.py talks to (docs/connectors/greenhouse.md,
"Write endpoints"), over real sockets:

* ``POST /token`` — client credentials; every other path wants ``Authorization: Bearer <token>``;
* ``GET /v3/applications`` — filters ``ids``, ``candidate_ids``, ``job_ids``; a bare JSON array;
* ``POST /v3/applications`` — ``{candidate_id, job_id}`` → 201 and the application on the job's first stage;
* ``GET /v3/job_interview_stages?job_ids=`` — the job's stages ``{id, job_id, name}``;
* ``POST /v3/applications/{id}/move`` — ``from_stage_id`` must equal the current stage, else 422; 204;
* ``POST /v3/applications/{id}/reject`` — ``rejection_reason_id`` must exist, else 422; 204.

Unknown body properties are refused with 422 (the v3 schemas forbid additional properties). Error
bodies use the documented v1 shape ``{"message": "Validation error", "errors": [{"message", "field"}]}``
(v3 documents only the status codes).

Faults: ``down_for(n)`` answers the next ``n`` API requests with 503; ``race_next_move(stage)`` has a
person move the application just before the next move arrives (so its ``from_stage_id`` is stale);
``latency`` delays every request (so a killed client dies mid-flight). Bookkeeping for assertions: :attr:`creates` (one entry per
application created, keyed by (candidate_id, job_id)), :attr:`writes` (every accepted write in order).

Example:
    >>> with GreenhouseTargetServer() as server:
    ...     app = server.add_application(candidate_id=7, job_id=3, stage="Application Review")
    ...     server.stage_name(app["stage_id"])
    'Application Review'
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["GreenhouseTargetServer", "STAGES", "REJECTION_REASONS"]

STAGES = ("Application Review", "Phone Interview", "Face to Face", "Offer")
REJECTION_REASONS = (4000, 4012)
_TOKEN = "target-token"


class GreenhouseTargetServer:
    """A thread-served Greenhouse v3 write target with state you can inspect (see module docstring)."""

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self.applications: dict[int, dict[str, Any]] = {}
        self.creates: Counter[tuple[int, int]] = Counter()
        self.writes: list[tuple[str, int, dict[str, Any]]] = []
        self._down = 0
        self._race: str | None = None
        self._next_id = 1000
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # -- lifecycle and set-up

    def __enter__(self) -> GreenhouseTargetServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str = "") -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def down_for(self, requests: int) -> None:
        """Answer the next ``requests`` API calls with 503 Service Unavailable."""
        with self._lock:
            self._down = requests

    def race_next_move(self, stage: str) -> None:
        """Just before the next move is handled, a person moves that application to ``stage``."""
        with self._lock:
            self._race = stage

    def add_application(self, *, candidate_id: int, job_id: int, stage: str = STAGES[0]) -> dict[str, Any]:
        """An application that already exists in Greenhouse (not counted as a create by the hub)."""
        with self._lock:
            return self._new_application(candidate_id, job_id, stage)

    @staticmethod
    def stage_id(job_id: int, name: str) -> int:
        return job_id * 100 + STAGES.index(name)

    @staticmethod
    def stage_name(stage_id: int) -> str:
        return STAGES[stage_id % 100]

    def _new_application(self, candidate_id: int, job_id: int, stage: str) -> dict[str, Any]:
        self._next_id += 1
        app = {"id": self._next_id, "candidate_id": candidate_id, "job_id": job_id, "status": "in_process",
               "prospect": False, "stage_id": self.stage_id(job_id, stage), "stage_name": stage,
               "rejection_reason_id": None, "rejected_at": None}
        self.applications[app["id"]] = app
        return app

    # -- the protocol

    def handle(self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes) -> tuple[int, Any]:
        if path == "/token" and method == "POST":
            return 200, {"access_token": _TOKEN, "token_type": "Bearer", "expires_in": 3600}
        if headers.get("Authorization") != f"Bearer {_TOKEN}":
            return 401, {"message": "Unauthorized"}
        with self._lock:
            if self._down > 0:
                self._down -= 1
                return 503, {"message": "Service Unavailable"}
            parts = path.strip("/").split("/")
            if parts[:2] != ["v3", "applications"] and parts[:2] != ["v3", "job_interview_stages"]:
                return 404, {"message": "Resource not found"}
            try:
                payload = json.loads(body) if body else {}
            except ValueError:
                return 400, {"message": "Body is not JSON"}
            if parts[1] == "job_interview_stages" and method == "GET":
                jobs = [int(j) for j in _csv(query, "job_ids")]
                return 200, [{"id": self.stage_id(j, n), "job_id": j, "name": n} for j in jobs for n in STAGES]
            if len(parts) == 2 and method == "GET":
                return 200, self._list(query)
            if len(parts) == 2 and method == "POST":
                return self._create(payload)
            if len(parts) == 4 and method == "POST" and parts[2].isdigit():
                app = self.applications.get(int(parts[2]))
                if app is None:
                    return 404, {"message": "Resource not found"}
                if parts[3] == "move":
                    return self._move(app, payload)
                if parts[3] == "reject":
                    return self._reject(app, payload)
            return 404, {"message": "Resource not found"}

    def _list(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        found = list(self.applications.values())
        for name, key in (("ids", "id"), ("candidate_ids", "candidate_id"), ("job_ids", "job_id")):
            wanted = {int(v) for v in _csv(query, name)}
            if wanted:
                found = [a for a in found if a[key] in wanted]
        return [dict(a) for a in sorted(found, key=lambda a: -a["id"])]

    def _create(self, payload: dict[str, Any]) -> tuple[int, Any]:
        if problem := _unknown(payload, {"candidate_id", "job_id", "source_id", "referrer", "initial_stage_id"}):
            return problem
        if not isinstance(payload.get("candidate_id"), int) or not isinstance(payload.get("job_id"), int):
            return _invalid("candidate_id and job_id are required integers", "candidate_id")
        app = self._new_application(payload["candidate_id"], payload["job_id"], STAGES[0])
        self.creates[(app["candidate_id"], app["job_id"])] += 1
        self.writes.append(("create", app["id"], payload))
        return 201, dict(app)

    def _move(self, app: dict[str, Any], payload: dict[str, Any]) -> tuple[int, Any]:
        if problem := _unknown(payload, {"from_stage_id", "to_stage_id", "to_job_id", "email_from_user_id"}):
            return problem
        if app["status"] != "in_process":
            return _invalid(f"Application {app['id']} is not active", "from_stage_id")
        if self._race is not None:
            app["stage_id"], app["stage_name"], self._race = self.stage_id(app["job_id"], self._race), self._race, None
        if payload.get("from_stage_id") != app["stage_id"]:
            return _invalid("from_stage_id does not match the application's current stage", "from_stage_id")
        to_stage = payload.get("to_stage_id")
        if to_stage is None:  # advance: the next stage
            to_stage = app["stage_id"] + 1 if app["stage_id"] % 100 + 1 < len(STAGES) else None
        if to_stage is None or to_stage // 100 != app["job_id"]:
            return _invalid("to_stage_id is not a stage of this job", "to_stage_id")
        app["stage_id"], app["stage_name"] = to_stage, self.stage_name(to_stage)
        self.writes.append(("move", app["id"], payload))
        return 204, None

    def _reject(self, app: dict[str, Any], payload: dict[str, Any]) -> tuple[int, Any]:
        if problem := _unknown(payload, {"rejection_reason_id", "notes", "rejection_email", "custom_fields"}):
            return problem
        if payload.get("rejection_reason_id") not in REJECTION_REASONS:
            return _invalid(f"Rejection reason {payload.get('rejection_reason_id')} does not exist", "rejection_reason_id")
        if app["status"] == "rejected":
            return _invalid(f"Application {app['id']} is already rejected", "rejection_reason_id")
        app.update(status="rejected", rejection_reason_id=payload["rejection_reason_id"], rejected_at="2026-01-01T00:00:00.000Z")
        self.writes.append(("reject", app["id"], payload))
        return 204, None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                if server.latency:
                    time.sleep(server.latency)
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = server.handle(self.command, parts.path, parse_qs(parts.query), self.headers, body)
                data = b"" if answer is None else json.dumps(answer).encode()
                self.send_response(status)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


class _QuietServer(ThreadingHTTPServer):
    """Killed clients reset their connections; that is the test's point, not an error to print."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _csv(query: dict[str, list[str]], name: str) -> list[str]:
    return [v for value in query.get(name, []) for v in value.split(",") if v]


def _invalid(message: str, field: str) -> tuple[int, Any]:
    return 422, {"message": "Validation error", "errors": [{"message": message, "field": field}]}


def _unknown(payload: dict[str, Any], allowed: set[str]) -> tuple[int, Any] | None:
    extra = sorted(set(payload) - allowed)
    return _invalid(f"unknown properties: {', '.join(extra)}", extra[0]) if extra else None
