"""What the Odoo tests share: the connector as its cassettes were recorded, its settings, and a VCR
that also compares JSON bodies (Odoo's calls are all POSTs: the body is the request)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import vcr

from hub.testing.cassettes import PLACEHOLDER
from hub.testing.cassettes import json_bodies_vcr as hub_json_bodies_vcr
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


def json_bodies_vcr(folder: Path = CASSETTES, *, live_names: Mapping[str, str] | None = None) -> vcr.VCR:
    """The scrubbing VCR, also matching JSON bodies. ``live_names`` maps texts a live request sends to
    the ones its recording holds (a key derived from a hub id the store made up this run)."""
    return hub_json_bodies_vcr(folder, live_names=live_names, scrub=_scrubbed)
