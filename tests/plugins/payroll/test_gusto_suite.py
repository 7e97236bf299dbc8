"""Gusto API v1 under the standard connector suite (hub.testing), as every connector is.

The connector is the one its cassettes were recorded with (2 employees a page: :class:`RecordedGusto`).
The suite's own episodes are in the cassette folder, built by its _build.py: ``retried`` (a 429 with
``Retry-After``, then a 503, mid-pass) and ``malformed`` (an owner paid per ``Paycheck``, a period the
canonical model has not). ``payrolls`` pages through five processed pay runs (3 pages), each
fetched singly in three pages of compensations and becoming a payslip per employee paid
(payslip.before.json: the newest run's, as the mapping receives them). An employee webhook names the employee by uuid: the webhook cases replay
``webhook.yaml``, the fetch of that employee.

Gusto lists employees with no incremental filter (no ``updated_since``; changes come as events), and
payrolls by a pay-period window with no cursor (docs/connectors/gusto.md), so no stream has a cursor
to advance: the suite's cursor check is replaced by the resume Gusto does have, a pass that stopped
at a page starting there on the next run (:meth:`TestGusto.test_cursor_advances_and_a_second_run_resumes_from_it`).
"""

from __future__ import annotations

from hub.core.store import Store
from hub.core.sync_state import StreamState
from hub.testing import ConnectorSuite
from tests.plugins.payroll.test_gusto_connector import (
    CASSETTES,
    MAPPING_FIXTURES,
    SETTINGS,
    WEBHOOKS,
    RecordedGusto,
)


class TestGusto(ConnectorSuite):
    connector = RecordedGusto
    settings = SETTINGS
    cassettes = CASSETTES
    fixtures = MAPPING_FIXTURES
    retried = ("employees", "retried")
    malformed = ("employees", "malformed")
    webhook_samples = (WEBHOOKS / "webhook_employee_updated.json",)
    webhook_cassette = "webhook"

    def test_cursor_advances_and_a_second_run_resumes_from_it(self, store: Store) -> None:
        """No cursor to advance (see the module docstring): the checkpoint is the next page's request,
        and the run after a pass that stopped at page 2 starts at page 2 and finishes the pass."""
        report, cassette = self._replay(store, "interrupted", "employees")
        assert report.status != "succeeded" and cassette.all_played, "the pass should stop at page 2"
        state = StreamState.from_json(store.get_cursor(None, "gusto", "employees"))
        assert state.resume is not None and state.resume.params["page"] == 2, state
        report, cassette = self._replay(store, "resumed", "employees")
        assert report.status == "succeeded" and cassette.all_played, report.streams[0].error
        assert not StreamState.from_json(store.get_cursor(None, "gusto", "employees")).in_pass
