"""``hub tokens create|list|revoke`` as an operator runs them, against a real ``hub serve``."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

from hub.core.access import token_hash
from tests.conftest import HUB


def hub_tokens(server: Any, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HUB), "tokens", *args, "--config", str(server.config_path)], env=server.env,
                          capture_output=True, text=True, check=check)


def created_token(done: subprocess.CompletedProcess[str]) -> str:
    (token,) = [line for line in done.stdout.splitlines() if line.startswith("hub_")]
    return token


def test_a_created_token_is_shown_once_works_and_is_refused_once_revoked(hub_server) -> None:
    done = hub_tokens(hub_server, "create", "--name", "ats-feed", "--role", "system", "--kind", "offer",
                      "--kind", "application", "--actor", "ops")
    token = created_token(done)
    assert "shown once and not stored" in done.stderr
    with hub_server.client(token) as client:
        assert client.get("/v1/token").json() == {"name": "ats-feed", "role": "system",
                                                  "kinds": ["application", "offer"], "pii_read": False}

    listed = hub_tokens(hub_server, "list").stdout + hub_tokens(hub_server, "list", "--json").stdout
    assert token not in listed and token_hash(token) not in listed
    (row,) = json.loads(hub_tokens(hub_server, "list", "--json").stdout)
    assert (row["name"], row["role"], row["scope"], row["created_by"], row["revoked"], row["expired"]) == (
        "ats-feed", "system", {"kinds": ["application", "offer"]}, "ops", False, False)
    assert row["last_used_at"] is not None and row["last_used_at"] >= row["created_at"]
    assert "kinds application, offer" in hub_tokens(hub_server, "list").stdout

    assert "revoked token 'ats-feed'" in hub_tokens(hub_server, "revoke", "ats-feed").stdout
    with hub_server.client(token) as client:
        refused = client.get("/v1/token")
    assert (refused.status_code, refused.json()["code"]) == (401, "unauthenticated")
    assert json.loads(hub_tokens(hub_server, "list", "--json").stdout)[0]["revoked"] is True
    again = hub_tokens(hub_server, "revoke", "ats-feed", check=False)
    assert again.returncode == 2 and "no live token" in again.stderr


def test_expiry_takes_durations_and_dates_and_an_expired_token_is_refused_like_an_unknown_one(hub_server) -> None:
    hub_tokens(hub_server, "create", "--name", "short", "--role", "hr_admin", "--expires", "1m")
    (row,) = json.loads(hub_tokens(hub_server, "list", "--json").stdout)
    created, expires = (hub_server.store.now().fromisoformat(row[key]) for key in ("created_at", "expires_at"))
    assert 59 <= (expires - created).total_seconds() <= 61

    dated = hub_tokens(hub_server, "create", "--name", "dated", "--role", "hr_admin", "--expires", "2999-01-31")
    assert "expires 2999-01-31 00:00 UTC" in dated.stdout
    past = hub_tokens(hub_server, "create", "--name", "past", "--role", "hr_admin", "--expires", "2001-01-01",
                      check=False)
    assert past.returncode == 2 and "must be in the future" in past.stderr

    expired = hub_server.token("hr_admin", days=1 / 86400)  # a second from now
    unknown = "hub_" + "x" * 43
    time.sleep(1.5)
    with hub_server.client(expired) as a, hub_server.client(unknown) as b:
        first, second = a.get("/v1/token"), b.get("/v1/token")
    assert (first.status_code, first.json()) == (second.status_code, second.json())
    assert first.status_code == 401


def test_a_personal_link_carries_its_token_in_the_fragment_and_expires_in_a_week(hub_server) -> None:
    done = hub_tokens(hub_server, "create", "--name", "cand-1", "--role", "personal", "--subject", "cand-hub-id",
                      "--link-base", "https://careers.example.com/my-results")
    token = created_token(done)
    assert f"personal link: https://careers.example.com/my-results#{token}" in done.stdout
    (row,) = json.loads(hub_tokens(hub_server, "list", "--json").stdout)
    created, expires = (hub_server.store.now().fromisoformat(row[key]) for key in ("created_at", "expires_at"))
    assert round((expires - created).total_seconds() / 86400) == 7
    with hub_server.client(token) as client:
        assert client.get("/v1/token").json()["kinds"] == ["assessment", "feedback"]


def test_a_token_without_the_scope_its_role_needs_is_not_created(hub_server) -> None:
    done = hub_tokens(hub_server, "create", "--name", "head", "--role", "department_head", check=False)
    assert done.returncode == 2 and "--department" in done.stderr
    assert json.loads(hub_tokens(hub_server, "list", "--json").stdout) == []
