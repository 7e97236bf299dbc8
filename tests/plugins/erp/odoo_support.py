"""What the Odoo tests share: the connector as its cassettes were recorded, its settings, and a VCR
that also compares JSON bodies (Odoo's calls are all POSTs: the body is the request)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import vcr

from hub.testing.cassettes import MATCH_ON, PLACEHOLDER, scrubbing_vcr
from plugins.erp.odoo import Odoo

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "erp" / "odoo"
API_KEY = "test-secret-not-real"
SETTINGS = {"base_url": "https://mycompany.example.com", "api_key": API_KEY, "database": "mycompany"}
RPC_SETTINGS = {**SETTINGS, "transport": "jsonrpc", "login": "api-bot@example.com"}


class RecordedOdoo(Odoo):
    page_size = 2  # the page size the cassettes were built with


def _scrubbed(body: Any) -> Any:
    """A body as the cassettes hold it: execute_kw's (and common.login's) key slot, ``args[2]``, is a placeholder."""
    args = body.get("params", {}).get("args") if isinstance(body, dict) else None
    if isinstance(args, list) and len(args) > 2:
        args[2] = PLACEHOLDER
    return body


def _json_body(live: Any, recorded: Any) -> None:
    def parsed(req: Any) -> Any:
        return _scrubbed(json.loads(req.body)) if req.body else None

    assert parsed(live) == parsed(recorded), f"body {parsed(live)!r} is not the recorded {parsed(recorded)!r}"


def json_bodies_vcr(folder: Path = CASSETTES) -> vcr.VCR:
    """The scrubbing VCR, also matching JSON bodies."""
    recorder = scrubbing_vcr(folder, match_on=(*MATCH_ON, "json_body"))
    recorder.register_matcher("json_body", _json_body)
    return recorder
