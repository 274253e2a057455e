"""The fault test: simulated calls while the city endpoint fails in every way it can and the
``ivr worker`` processes are killed with SIGKILL mid-delivery; afterwards the city holds every
report exactly once. On SQLite with one worker, on PostgreSQL with three.

The faults come from a seeded plan (``tests/support/faulty_city.py``) whose first POSTs meet
each fault, so the test checks that each was really met before trusting the result. The wait
for the outbox to drain has a generous ceiling; nothing is timed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.calls.phone import prepared_store
from tests.support.databases import fresh_database
from tests.support.fault_run import FaultRun, run_faults
from tests.support.faulty_city import FAULTS

CALLS = 30


@pytest.mark.parametrize(
    ("kind", "workers"), [("sqlite", 1), pytest.param("postgres", 3, marks=pytest.mark.postgres)]
)
def test_every_call_s_report_reaches_the_city_exactly_once_through_faults_and_kills(
    kind: str, workers: int, tmp_path: Path
) -> None:
    with fresh_database(kind, tmp_path) as url:
        prepared_store(url)
        run = FaultRun(
            database_url=url,
            city_database_url=f"sqlite:///{tmp_path / 'city.db'}",
            log_dir=tmp_path,
            calls=CALLS,
            workers=workers,
        )
        counts = run_faults(run)
    report = "\n".join(counts.lines())

    # every caller was told "received": each report was committed before they heard it
    assert counts.told_received == CALLS, report
    # the faults were really met: each kind of answer, an outage, workers killed mid-POST
    for fault in FAULTS:
        assert counts.injected.get(fault, 0) >= 1, f"{fault} never injected\n{report}"
    assert counts.outages >= 1 and counts.kills >= 1 and counts.restarts >= counts.kills, report
    # and afterwards: every report at the city once, under the id the gateway recorded
    assert counts.drained, report
    assert (counts.reports, counts.filed, counts.at_city) == (CALLS, CALLS, CALLS), report
    assert (counts.duplicates, counts.lost, counts.wrong_ids) == (0, 0, 0), report
    # killed workers' rows were recorded as unknown outcomes, then settled without a second
    # request at the city: the city here is a gateway's embedded endpoint, which publishes no
    # key line to look up (docs/outbox.md), so its Idempotency-Key answers the POST sent again
    # with the request it already filed (the lookup by key line is tested against a CRM that
    # publishes descriptions as received, in test_outbox_delivery)
    assert counts.attempts.get(("unknown", "worker_lost"), 0) >= 1, report
    assert counts.attempts.get(("found", ""), 0) == 0, report
    if workers > 1:
        assert counts.overlapping_workers >= 2, report
