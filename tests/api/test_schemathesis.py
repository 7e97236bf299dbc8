"""schemathesis against the served OpenAPI document: a real ``hub serve`` over seeded records, an hr_admin
token with pii:read, every operation the document lists; no 5xx, and every answer conforms to the
document (status code, content type, headers, body schema).

Bounded for CI: at most 40 generated cases per operation, no deadline (the machine is shared).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_headers_conformance,
                                 response_schema_conformance, status_code_conformance)

from hub.api.app import openapi_document
from tests.api.conftest import HubServer
from tests.api.seeds import seed

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory) -> Iterator[HubServer]:
    server = HubServer(tmp_path_factory.mktemp("schemathesis"),
                       config={"service": {"rate_limit_per_minute": 1_000_000, "long_poll_max_seconds": 1,
                                           "stream_max_seconds": 0.5}})
    server.start()
    seed(server.store)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def admin_token(seeded_server: HubServer) -> str:
    return seeded_server.token("hr_admin", name="schemathesis", pii_read=True, days=1)


#: The document the server serves (tests/api/test_serve.py holds them equal), built without a store;
#: loaded here rather than from a fixture, as schemathesis' lazy loader does not run on pytest 9.
schema = schemathesis.openapi.from_dict(openapi_document())


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_service_keeps_to_its_openapi_document(case: Any, seeded_server: HubServer, admin_token: str) -> None:
    case.call_and_validate(base_url=seeded_server.url, headers={"Authorization": f"Bearer {admin_token}"},
                           checks=CHECKS)
