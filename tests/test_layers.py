"""The layering is checked, not hoped for: import-linter's contracts in pyproject.toml must hold.

They say which layer may import which (commands above engines above the record pipeline above
mapping and store, above models and errors), how the store's parts stack, that engines and commands
use only the store's public names, and that no package has an import cycle. CI runs this file with
the rest of the suite; ``.venv/bin/lint-imports`` prints the same report by hand.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--config", str(REPO / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout and " kept" in result.stdout, result.stdout
