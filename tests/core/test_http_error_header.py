"""A vendor that names a failed request's reason in a header (BambooHR's ``X-BambooHR-Error-Message``):
the reason joins the typed error, masked like a body, and a header of another name is not read."""

from __future__ import annotations

import httpx
import pytest

from hub.core.auth import BasicAuth
from hub.core.errors import AuthError, PermanentConnectorError
from hub.core.http import HttpClient, RetryPolicy

HEADER = "X-Vendor-Error-Message"


def client(status: int, headers: dict[str, str], *, error_header: str | None = HEADER) -> HttpClient:
    answer = httpx.MockTransport(lambda request: httpx.Response(status, headers=headers))
    return HttpClient("https://api.example.com", transport=answer, retry=RetryPolicy(max_attempts=1),
                      auth=BasicAuth("key-123456", "x"), error_message_header=error_header, system="vendor")


def test_the_headers_reason_is_the_errors() -> None:
    with client(400, {HEADER: "Invalid field: hireDate"}) as http, pytest.raises(PermanentConnectorError) as failed:
        http.get("/employees")
    assert failed.value.context["vendor_message"] == "Invalid field: hireDate"
    assert failed.value.reason.endswith("returned 400 Bad Request: Invalid field: hireDate")


def test_a_secret_in_the_header_is_masked() -> None:
    with client(401, {HEADER: "key key-123456 is disabled"}) as http, pytest.raises(AuthError) as failed:
        http.get("/employees")
    assert "key-123456" not in str(failed.value) and "is disabled" in failed.value.context["vendor_message"]


@pytest.mark.parametrize(("headers", "error_header"), [({}, HEADER), ({HEADER: "  "}, HEADER), ({HEADER: "x"}, None)])
def test_no_header_or_none_declared_leaves_the_error_as_it_was(headers: dict[str, str], error_header: str | None) -> None:
    with client(400, headers, error_header=error_header) as http, pytest.raises(PermanentConnectorError) as failed:
        http.get("/employees")
    assert "vendor_message" not in failed.value.context and failed.value.reason.endswith("400 Bad Request")
