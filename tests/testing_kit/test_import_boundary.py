"""hub.testing is for test runs only: the hub itself never imports it, nor pytest or vcrpy through it.

A user installs the hub without the ``[test]`` extra; ``import hub`` and ``hub --help`` (which loads
every subcommand) must work there, so neither may pull in the kit. Checked in a fresh interpreter,
since this one has pytest loaded already.
"""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import hub
from hub.cli import main
try:
    main(["--help"])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m == "hub.testing" or m.startswith("hub.testing.")
                        or m.split(".")[0] in ("pytest", "_pytest", "vcr"))))
"""


def test_hub_and_its_help_never_import_the_kit() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
