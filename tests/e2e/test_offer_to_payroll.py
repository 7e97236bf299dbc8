"""End to end: an offer accepted in the ATS becomes an employee with pay in payroll and in both ERPs, once.

Issue 35's acceptance, the path a customer sets up once (one hub.yaml) and then never touches:

1. Greenhouse's jobs, candidates, applications and offers are synced into the hub (recorded Harvest v3
   pages, tests/cassettes/hr_suites/greenhouse/); among the offers is 8002, accepted: "Test Candidate
   Three" as Account Executive from 2024-07-01 for 105000 USD a year;
2. hub.yaml routes accepted offers to three targets: Gusto (payroll), Odoo and Kingdee 云星空 (ERPs), with
   the customer's own mapping tables naming Greenhouse's department (its id 4003, "Sales") and the job
   the way each ERP knows them;
3. one delivery pass replays each system's recorded write conversation, request bodies matched, so the
   person's name and email, the job title and the Decimal pay reach each system exactly as recorded:
   Gusto's ``write_offer``, Odoo's and Kingdee's ``hire_from_greenhouse`` (built by their _build.py);
   the ids each answers with are written back to the offer. (vcrpy plays only the innermost of nested
   cassettes, so the pass runs target by target, each inside its own: ``run(target=...)``);
4. the offer changes again and the routes fire again: the second pass looks the linked employees up
   and creates nothing (the ``*_again`` conversations); a third pass with nothing due sends nothing;
5. the change feed shows the offer once per version, and no employee made anywhere.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.core.access import Grant, Role
from hub.core.config import HubConfig
from hub.core.delivery import DeliveryRunner, attach_routes
from hub.core.store import Store
from hub.core.sync import sync
from hub.testing import scrubbing_vcr, sqlite_store
from plugins.erp.odoo_write import employee_key
from tests.plugins.erp import test_kingdee_connector as kingdee
from tests.plugins.erp.odoo_support import SETTINGS as ODOO, json_bodies_vcr as odoo_bodies_vcr
from tests.plugins.hr_suites.test_greenhouse_connector import SETTINGS as GREENHOUSE, RecordedGreenhouse
from tests.plugins.payroll import test_gusto_connector as gusto

REPO = Path(__file__).resolve().parents[2]
GREENHOUSE_CASSETTES = REPO / "tests" / "cassettes" / "hr_suites" / "greenhouse"
SHIPPED = REPO / "hub" / "mappings" / "erp"
HUB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TARGETS = ("gusto", "odoo", "kingdee")
#: What each system answers with for the new employee (the recorded conversations').
GUSTO_UUID, ODOO_EMPLOYEE, KINGDEE_FID = "e0000000-0000-4000-8000-000000000007", "57", "100301"
#: The key Odoo's recording holds: the badge of ``hub-offer-8002`` (tests/cassettes/erp/odoo/_build.py HIRE_KEY).
RECORDED_ODOO_KEY = "HUBB6793CB3575FC9D"


def _customised(shipped: Path, folder: Path, *edits: tuple[str, str]) -> None:
    """The shipped mapping file ``shipped`` copied into the customer's ``folder`` with ``edits`` made
    (each must find its text: a shipped file that changed fails here, not in a cassette mismatch)."""
    text = shipped.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, f"{shipped}: {old!r} is no longer there"
        text = text.replace(old, new)
    (folder / shipped.parent.name).mkdir(parents=True)
    (folder / shipped.parent.name / shipped.name).write_text(text, encoding="utf-8")


@pytest.fixture
def mappings(tmp_path: Path) -> Path:
    """The customer's mapping folder: the shipped offer mappings of both ERPs with Greenhouse's department
    (id 4003, "Sales") and job title named as each ERP knows them — Greenhouse's jobs carry the
    department's id, an ERP finds departments by its own name (Odoo) or number (Kingdee)."""
    folder = tmp_path / "mappings" / "erp"
    _customised(SHIPPED / "odoo" / "offer.yaml", folder,
                ("tables:\n", "tables:\n  departments: {'4003': Sales}\n"),
                ("department: {from: related.application.job.department}",
                 "department: {from: related.application.job.department, steps: [{lookup: {table: departments}}]}"))
    _customised(SHIPPED / "kingdee" / "offer.yaml", folder, ("  departments: {}", "  departments: {'4003': BM0301}"),
                ("  posts: {}", "  posts: {Account Executive: GW0301}"))
    return folder.parent


def hub_yaml(mappings: Path) -> HubConfig:
    """What the customer's hub.yaml says: the ATS, three targets, and a route to each for accepted offers."""
    return HubConfig.model_validate({
        "mappings": [str(mappings)],
        "connectors": {"greenhouse": {"type": "greenhouse", "settings": dict(GREENHOUSE)},
                       "gusto": {"type": "gusto", "settings": dict(gusto.SETTINGS)},
                       "odoo": {"type": "odoo", "settings": {**ODOO, "currency": "USD"}},
                       "kingdee": {"type": "kingdee", "settings": dict(kingdee.SETTINGS)}},
        "routes": [{"name": f"hires-to-{name}", "entity": "offer", "target": name,
                    "when": [{"field": "status", "equals": "accepted"}]} for name in TARGETS],
    })


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with sqlite_store(tmp_path) as opened:
        yield opened


def synced_from_greenhouse(store: Store) -> None:
    """Step 1: Greenhouse as its recorded Harvest v3 pages list it, references before what names them."""
    for stream in ("jobs", "candidates", "applications", "offers"):
        with scrubbing_vcr(GREENHOUSE_CASSETTES).use_cassette(f"{stream}.yaml") as cassette:
            report = sync(RecordedGreenhouse(dict(GREENHOUSE)), store, streams=[stream], prefetch=False)
        assert cassette.all_played and report.status == "succeeded", stream


def _hub_ids_as_placeholder(recorder: Any) -> Any:
    """``recorder`` with its body matcher reading every hub id the live request sends as ``<hub-id>``:
    Kingdee's employee number is ``hub-<the offer's hub id>``, which the store makes up each run."""
    matches = recorder.matchers["json_body"]

    def json_body(live: Any, recorded: Any) -> None:
        seen = copy.copy(live)
        text = live.body.decode() if isinstance(live.body, bytes) else live.body or ""
        seen.body = HUB_ID.sub("<hub-id>", text).encode() if text else live.body
        matches(seen, recorded)

    recorder.register_matcher("json_body", json_body)
    return recorder


def delivered(runner: DeliveryRunner, offer_id: str, gusto_stem: str, erp_stem: str) -> tuple[Any, dict[str, Any]]:
    """One delivery pass of ``runner``, each target's part replayed from its recorded conversation
    (request bodies matched); the counters and the cassettes. vcrpy answers from the innermost
    cassette only, so each target's pass runs inside its own (``run(target=...)``), one after the other."""
    replays = {"gusto": gusto.replay(gusto_stem),
               "odoo": odoo_bodies_vcr(live_names={employee_key(offer_id): RECORDED_ODOO_KEY}).use_cassette(
                   f"{erp_stem}.yaml", allow_playback_repeats=False),
               "kingdee": _hub_ids_as_placeholder(kingdee.json_bodies_vcr(kingdee.CASSETTES)).use_cassette(
                   f"{erp_stem}.yaml", allow_playback_repeats=False)}
    counters, played = {}, {}
    for name, replay in replays.items():
        with replay as cassette:
            counters.update(runner.run(target=name).counters)
        played[name] = cassette
    return counters, played


def failures(store: Store) -> list[tuple[str, Any]]:
    """What the dead letters say (masked), to read when a pass did not deliver."""
    return [(letter.system, letter.error) for letter in store.dead_letters()]


def _creates(cassette: Any) -> list[str]:
    """The recorded requests of ``cassette`` that would make something: Gusto's POST/PUT, Odoo's
    ``create``, Kingdee's ``Save``."""
    return [f"{request.method} {request.path}" for request in cassette.requests
            if (request.method in ("POST", "PUT") and "/v1/" in request.path)
            or request.path.endswith(("/create", ".Save.common.kdsvc"))]


def test_an_accepted_greenhouse_offer_becomes_one_employee_with_pay_in_gusto_odoo_and_kingdee(
        store: Store, mappings: Path, tmp_path: Path) -> None:
    config = hub_yaml(mappings)
    attach_routes(store, config)  # before the sync: the offer's versions fill the outbox
    synced_from_greenhouse(store)
    offer_id = store.find("greenhouse", "8002", "offer")
    assert offer_id is not None
    candidate_id = store.find("greenhouse", "1003", "candidate")

    counters, played = delivered(DeliveryRunner(store, config), offer_id, "write_offer", "hire_from_greenhouse")
    assert counters == {name: {"delivered": 1} for name in TARGETS}, failures(store)
    assert all(cassette.all_played for cassette in played.values())
    assert all(_creates(cassette) for cassette in played.values())  # each made its employee
    offer = store.get("offer", offer_id)
    linked = {name: offer.external_ids.get(name) for name in TARGETS}
    assert linked == {"gusto": GUSTO_UUID, "odoo": ODOO_EMPLOYEE, "kingdee": KINGDEE_FID}
    reads = {(entry["actor"], entry["detail"]["route"], entry["detail"]["for"])
             for entry in store.audit_entries(candidate_id) if entry["action"] == "read_pii"}
    assert reads == {(f"target:{name}", f"hires-to-{name}", f"offer {offer_id}") for name in TARGETS}  # who saw whom

    # Step 4: the offer changes again in Greenhouse. No second offers recording exists (the Greenhouse
    # cassettes hold one pass), so its next version is stored the way the next sync would: the same
    # offer, a non-PII field changed. The routes fire again.
    with store.transaction() as tx:
        store.upsert_many(tx, "greenhouse", [offer.model_copy(update={"status_raw": "Accepted (countersigned)"})],
                          origin="sync:greenhouse")
    counters, played = delivered(DeliveryRunner(store, config), offer_id, "write_offer_again",
                                 "hire_from_greenhouse_again")
    assert counters == {name: {"delivered": 1} for name in TARGETS}, failures(store)
    assert {name: cassette.play_count for name, cassette in played.items()} == {
        "gusto": 2,    # the token and a GET of the linked employee
        "odoo": 0,     # linked: the employee is Odoo's from now on, nothing is sent
        "kingdee": 2,  # the login and the lookup of the linked FID
    }
    assert {name: _creates(cassette) for name, cassette in played.items()} == {name: [] for name in TARGETS}
    assert {name: store.get("offer", offer_id).external_ids.get(name) for name in TARGETS} == linked

    # a third pass, nothing due: with no recording at all, any request would fail
    with scrubbing_vcr(tmp_path).use_cassette("nothing.yaml", record_mode="none") as silence:
        assert DeliveryRunner(store, config).run().counters == {}
    assert silence.play_count == 0 and not silence.requests

    # Step 5: the change feed, as a consuming system reads it: each version of the offer once, the
    # second carrying the three systems' ids (links are not versions), and no employee made anywhere.
    feed = store.changes(0, limit=1000, grant=Grant("t1", "payroll-feed", Role.HR_ADMIN))
    assert max(Counter((c.kind, c.entity_id, c.version) for c in feed).values()) == 1
    offers = [c for c in feed if c.entity_id == offer_id]
    assert [(c.op, c.version) for c in offers] == [("create", 1), ("update", 2)]
    assert offers[0].entity["external_ids"] == {"greenhouse": "8002"}
    assert offers[1].entity["external_ids"] == {"greenhouse": "8002", **linked}
    holders = {(system, value): {c.entity_id for c in feed if c.entity
                                 and c.entity["external_ids"].get(system) == value}
               for system, value in linked.items()}
    assert holders == {(system, value): {offer_id} for system, value in linked.items()}, "an id on two records"
    assert Counter(c.kind for c in feed) == {"job": 3, "candidate": 5, "application": 5, "offer": 4}
