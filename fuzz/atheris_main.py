"""Coverage-guided fuzzing of the fuzz tests' targets with atheris (optional; CI runs the hypothesis side).

Each test in tests/fuzz is a hypothesis test whose ``fuzz_one_input`` turns a byte string into one
example: atheris mutates those bytes towards new branches of the hub's code, and every example is
still judged by the test itself (a result or a HubError, within the time and memory budgets of
tests/fuzz/harness.py). A failure prints the example hypothesis would shrink; add it to the test as
an ``@example`` with the fix.

Usage (atheris is not a dependency of the hub or its tests)::

    .venv/bin/pip install atheris
    .venv/bin/python fuzz/atheris_main.py test_fuzz_files.test_xlsx_bytes -runs=20000
    .venv/bin/python fuzz/atheris_main.py test_fuzz_webhooks.test_a_signed_greenhouse_body_parses_or_fails_typed -max_total_time=600

The first argument names ``<module in tests/fuzz>.<test>``; the rest go to libFuzzer.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import atheris  # noqa: E402


def main() -> None:
    if len(sys.argv) < 2 or "." not in sys.argv[1]:
        raise SystemExit(__doc__)
    module, name = sys.argv[1].rsplit(".", 1)
    with atheris.instrument_imports(include=["hub", "plugins"]):
        test = getattr(importlib.import_module(f"tests.fuzz.{module}"), name)
    atheris.Setup([sys.argv[0], *sys.argv[2:]], test.hypothesis.fuzz_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
