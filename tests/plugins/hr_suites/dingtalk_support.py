"""What the DingTalk tests share: the connector as its cassettes were recorded, its settings, the
callback signing of the suite and the end-to-end test."""

from __future__ import annotations

import json
from pathlib import Path

from plugins.hr_suites.dingtalk import DingTalk
from tests.cassettes.hr_suites.dingtalk import _build as recorded  # one source for ids, settings and sealing

TESTS = Path(__file__).resolve().parents[2]
CASSETTES = TESTS / "cassettes" / "hr_suites" / "dingtalk"
FIXTURES = TESTS / "fixtures" / "dingtalk"
SETTINGS = recorded.SETTINGS
#: When the recorded token was issued (its 7200 s outlive every test) and a callback's answer is sealed.
NOW = 1718000000.0


class RecordedDingTalk(DingTalk):
    """DingTalk as the cassettes were recorded: 2 ids a page, the clocks pinned."""

    page_size = recorded.PAGE_SIZE
    token_clock = staticmethod(lambda: NOW)
    callback_clock = staticmethod(lambda: NOW)


def callback_query(raw_body: bytes, nonce: str, timestamp: str = recorded.CALLBACK_TIME) -> dict[str, str]:
    """The URL query DingTalk posts a callback with: ``msg_signature``, ``timestamp``, ``nonce``."""
    encrypt = json.loads(raw_body)["encrypt"]
    return {"msg_signature": recorded.crypt().signature(timestamp, nonce, encrypt), "timestamp": timestamp,
            "nonce": nonce}
