"""A subscription's configuration: the route's events, the webhook connector's settings as `hub routes
check` sees them, what a dry run shows, and `hub webhooks list|secret` without deliveries."""

from __future__ import annotations

import json
import time

import pytest
import standardwebhooks
from pydantic import ValidationError

from hub.core.config import HubConfig
from hub.core.delivery.checks import check_config_routes
from hub.core.routes import Route
from hub.core.webhooks import StandardWebhook
from tests.webhooks_out.conftest import EMAIL, NAME, PHONE, SECRET, Project, person, settings, upsert


@pytest.mark.parametrize("events", [["archived"], []])
def test_a_route_takes_only_known_events(events):
    with pytest.raises(ValidationError):
        Route(name="r", entity="offer", target="hook", events=events)
    assert Route(name="r", entity="offer", target="hook").events == ("created", "updated", "deleted")


def hook_config(**hook: object) -> HubConfig:
    return HubConfig.model_validate({
        "connectors": {"payroll_hook": {"type": "webhook", "settings": {"url": "https://hooks.example.com/hub",
                                                                          "secrets": [SECRET], **hook}}},
        "routes": [{"name": "offers", "entity": "offer", "target": "payroll_hook", "events": ["updated"]}]})


@pytest.mark.parametrize(("hook", "problem"), [
    ({}, None),
    ({"url": "http://hooks.example.com/hub"}, "use https"),
    ({"url": "ftp://hooks.example.com/hub"}, "must be an https:// URL"),
    ({"secrets": ["whsec_not base64!"]}, "not valid base64"),
    ({"secrets": []}, "no webhook secret given"),
    ({"pii": "yes"}, "pii must be true or false"),
    ({"sign_with": "md5"}, "has no setting(s) sign_with"),
    ({"retry": {"backoff_cap": -1}}, "bad 'retry' or 'timeout' setting"),
    ({"timeout": "soon"}, "bad 'retry' or 'timeout' setting"),
])
def test_routes_check_validates_the_subscription(hook, problem):
    problems = check_config_routes(hook_config(**hook))
    if problem is None:
        assert problems == []
    else:
        [line] = problems
        assert line.startswith("route 'offers': ") and problem in line


def test_a_dry_run_shows_the_payload_masked_and_sends_nothing(tmp_path, keyring, hub_cmd, receiver):
    project = Project(tmp_path, keyring, hub_cmd, settings(receiver, tmp_path))
    store = project.store()
    upsert(store, person())
    store.close()
    planned = project.hub("deliver", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    [plan] = json.loads(planned.stdout)["planned"]
    assert plan["route"] == "candidates-to-payroll" and plan["payload"]["tags"] == ["candidate"]
    assert all(value not in planned.stdout for value in (NAME, PHONE, EMAIL))
    assert receiver.received == []
    assert project.hub("routes", "check").returncode == 0


def test_list_without_subscriptions_and_a_new_secret(tmp_path, keyring, hub_cmd, receiver):
    project = Project(tmp_path, keyring, hub_cmd, {"database": {"url": f"sqlite:///{tmp_path / 'hub.db'}"}})
    assert "no webhook subscriptions" in project.hub("webhooks", "list").stdout
    assert project.json("webhooks", "list") == []
    secret = project.hub("webhooks", "secret").stdout.strip()
    body, now = b'{"type":"offer.created"}', int(time.time())
    signed = StandardWebhook(secret).headers("msg_1", now, body)
    assert standardwebhooks.Webhook(secret).verify(body, signed) == {"type": "offer.created"}
