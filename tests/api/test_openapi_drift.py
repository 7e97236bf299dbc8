"""The OpenAPI document checked into the repository (docs/openapi.json) is the one the code serves:
clients and schemathesis read the file, so a route, parameter or schema changed without it fails here."""

from __future__ import annotations

import json
from pathlib import Path

from hub.api.app import openapi_document

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_checked_in_openapi_document_matches_the_code() -> None:
    checked_in = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    served = json.loads(json.dumps(openapi_document()))  # as JSON would carry it (tuples → lists)
    drifted = sorted(set(checked_in.get("paths", {})) ^ set(served["paths"]))
    assert checked_in == served, (
        f"docs/openapi.json differs from the code{f' (paths added or gone: {drifted})' if drifted else ''}; "
        "run `hub serve --openapi > docs/openapi.json` and commit it")
