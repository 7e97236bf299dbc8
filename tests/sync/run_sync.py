"""Run one sync of the test connector in a subprocess, so a test can SIGKILL it at any point.

Usage: ``python tests/sync/run_sync.py <database url> <fault server base url>`` with ``HUB_KEYS`` set.
Prints ``ready`` once everything is imported, the store is open and the mapping compiled, waits for a
line on stdin (so a test can start the next child while this one runs), prints ``page`` after every
committed page and ``done <status>`` at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hub.core.crypto import KeyRing  # noqa: E402
from hub.core.mapping import load_mapping  # noqa: E402
from hub.core.store import Store  # noqa: E402
from hub.core.sync import sync  # noqa: E402
from tests.sync.connector import FaultConnector  # noqa: E402


def main(database_url: str, base_url: str) -> None:
    import os

    store = Store.open(database_url, KeyRing.from_json(os.environ["HUB_KEYS"]))
    connector = FaultConnector({"base_url": base_url})
    load_mapping(connector.mapping_path("job.yaml"))  # warms the transform registry: kills land in the sync
    print("ready", flush=True)
    sys.stdin.readline()
    report = sync(connector, store, streams=["jobs"],
                  listeners=[lambda event: event.name == "page_committed" and print("page", flush=True)])
    print("done", report.status, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
