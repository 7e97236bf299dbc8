"""A delivery process SIGKILLed at random points (seeded) and restarted delivers every change exactly
once in effect: the target never sees two creates for one application, and ends with the latest version
of each. Changes keep arriving between the kills. The process is the real ``hub deliver`` command."""

from __future__ import annotations

import os
import random
import subprocess
import time

import pytest
import yaml

from hub.core.config import HubConfig
from hub.core.delivery import Outbox, attach_routes
from hub.core.store import Store
from tests.delivery.conftest import application, hub_config, put, seed_people
from tests.support.target_server import GreenhouseTargetServer

APPLICATIONS, KILLS, SEED = 20, 30, 20261123
CHAIN = ("interviewing", "second_interview", "offer", "rejected")
STAGE = {"interviewing": "Phone Interview", "second_interview": "Face to Face", "offer": "Offer"}


@pytest.mark.slow
def test_killed_and_restarted_delivery_is_exactly_once_in_effect(tmp_path, keyring, hub_cmd):
    rng = random.Random(SEED)
    with GreenhouseTargetServer(latency=0.01) as server:
        settings = hub_config(server)
        settings["database"] = {"url": f"sqlite:///{tmp_path / 'hub.db'}"}
        (tmp_path / "hub.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
        store = Store.open(settings["database"]["url"], keyring)
        store.upgrade()
        attach_routes(store, HubConfig.model_validate(settings))
        seed_people(store, APPLICATIONS)
        latest = dict.fromkeys(range(APPLICATIONS), CHAIN[0])
        put(store, *(application(n, CHAIN[0]) for n in latest))
        env = {**os.environ, "HUB_CONFIG": str(tmp_path / "hub.yaml"), "HUB_KEYS": keyring.to_json()}

        mid_flight = 0
        for _ in range(KILLS):
            writes_before = len(server.writes)
            process = subprocess.Popen([*hub_cmd, "deliver", "--drain", "30"], env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            started = time.monotonic()  # kill while it writes: after its first write, at a random point
            while len(server.writes) == writes_before and process.poll() is None and time.monotonic() - started < 10:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.15))
            process.kill()
            process.wait()
            mid_flight += process.returncode == -9 and len(server.writes) > writes_before
            for n in rng.sample(range(APPLICATIONS), 3):  # new versions arrive between runs
                if latest[n] != CHAIN[-1]:
                    latest[n] = CHAIN[CHAIN.index(latest[n]) + 1]
                    put(store, application(n, latest[n]))

        final = subprocess.run([*hub_cmd, "deliver", "--drain", "60"], env=env, capture_output=True, text=True, timeout=120)
        assert final.returncode == 0, final.stdout + final.stderr
        assert mid_flight >= KILLS // 5, "too few kills landed while the target was being written"

        assert len(server.creates) == APPLICATIONS and set(server.creates.values()) == {1}
        remote = {app["candidate_id"] - 7: app for app in server.applications.values()}
        for n, status in latest.items():
            if status == "rejected":
                assert remote[n]["status"] == "rejected", n
            else:
                assert (remote[n]["status"], remote[n]["stage_name"]) == ("in_process", STAGE[status]), n
        outbox = Outbox(store)
        assert outbox.list(status="pending") == [] and outbox.list(status="dead") == []
        assert store.dead_letters() == []
        store.close()
