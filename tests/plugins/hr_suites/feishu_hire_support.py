"""What the Feishu Hire tests share: the connector as its cassettes were recorded, its settings, the
credential matcher and the event signature."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plugins.hr_suites.feishu_hire import FeishuHire, event_signature

TESTS = Path(__file__).resolve().parents[2]
CASSETTES = TESTS / "cassettes" / "hr_suites" / "feishu_hire"
EVENTS = TESTS / "fixtures" / "feishu_hire"
APP_ID, APP_SECRET = "cli_test_app_not_real", "test-app-secret-not-real"
ENCRYPT_KEY, VERIFICATION_TOKEN = "test-encrypt-key-not-real", "test-verification-token-not-real"
SETTINGS = {"app_id": APP_ID, "app_secret": APP_SECRET, "encrypt_key": ENCRYPT_KEY,
            "verification_token": VERIFICATION_TOKEN, "interviews_since": "1717171200000"}
#: The timestamp the test events are signed with (X-Lark-Request-Timestamp, seconds).
SIGNED_AT = "1718000000"


class RecordedFeishuHire(FeishuHire):
    """The connector as the cassettes were recorded: 2 records a page, the token clock pinned (the
    recorded tokens live 7200 s from it)."""

    page_size = 2
    token_clock = staticmethod(lambda: 1_718_000_000.0)


def credentials(live: Any, recorded: Any) -> None:
    """vcr matcher: app id and secret in the token request's body, a handed-out tenant token elsewhere."""
    auth = live.headers.get("Authorization", "")
    if live.uri.endswith("/auth/v3/tenant_access_token/internal"):
        body = live.body.decode() if isinstance(live.body, bytes) else live.body
        assert json.loads(body) == {"app_id": APP_ID, "app_secret": APP_SECRET}, "the token request must carry the app credentials"
        assert not auth, "the token request carries no token"
    else:
        assert auth.startswith("Bearer <REDACTED-TENANT-TOKEN-"), f"not a token from the token endpoint: {auth!r}"


def lark_headers(raw_body: bytes, *, nonce: str = "test-nonce", timestamp: str = SIGNED_AT,
                 key: str = ENCRYPT_KEY) -> dict[str, str]:
    """The headers Feishu sends with an event: timestamp, nonce and ``X-Lark-Signature``."""
    return {"X-Lark-Request-Timestamp": timestamp, "X-Lark-Request-Nonce": nonce,
            "X-Lark-Signature": event_signature(timestamp, nonce, key, raw_body), "Content-Type": "application/json"}
