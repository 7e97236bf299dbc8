"""pytest's root configuration: the doctests of hub/ and plugins/ run with the test suite.

Alembic's env.py runs only inside Alembic (it reads ``alembic.context`` at import), so it is not collected.
"""

collect_ignore = ["hub/migrations/env.py"]
