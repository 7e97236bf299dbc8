"""hub.testing: the standard test suite every connector gets from one class, and its tools.

For plugin authors (docs/testing-connectors.md)::

    from hub.testing import ConnectorSuite

    class TestAcme(ConnectorSuite):
        connector = RecordedAcme
        settings = {...}
        cassettes = Path(...)
        fixtures = Path(...)

It needs the ``[test]`` extra (pytest, vcrpy); nothing in the hub imports it, so the ``hub``
command never does.
"""

from hub.testing.cassettes import json_bodies_vcr, people_findings, scrubbing_vcr, secret_findings
from hub.testing.fixtures import FixturePair, canonical
from hub.testing.people import real_looking
from hub.testing.suite import ConnectorSuite, sqlite_store

__all__ = ["ConnectorSuite", "FixturePair", "canonical", "json_bodies_vcr", "people_findings", "real_looking",
           "scrubbing_vcr", "secret_findings", "sqlite_store"]
