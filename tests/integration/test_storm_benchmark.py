"""The storm benchmark's machinery on a few calls, so that it cannot rot unnoticed: ``ivr serve``
started as a city starts it, keypad callers placed without pacing, the same webhooks replayed
to the bare app and to the floor app; every call must end with its report filed at the
embedded endpoint."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.storm import main


def test_every_call_of_a_small_storm_files_its_report(tmp_path: Path) -> None:
    written = tmp_path / "storm.json"
    small = ["--calls", "3", "--audio-share", "0", "--pace", "0", "--ramp", "0"]
    main([*small, "--json", str(written)])
    figures = json.loads(written.read_text(encoding="utf-8"))  # what --json writes, read back

    assert figures["reports_filed"] == 3
    assert figures["outbox"] == {"filed": 3}
    assert figures["parked_because"] == {}
    assert figures["errors"] == 0
    assert figures["ended_by"] == {"gateway": 3}
    assert figures["bare_errors"] == 0
    assert figures["floor_errors"] == 0  # each replayed webhook's signature held, its row kept
    assert figures["server"]["worker_class"] == "gthread"
    # every webhook not waiting for a transcript found in the app's access log by its id,
    # and each part of its time inside the app measured
    steps = figures["webhooks"] - figures["transcript_webhooks"]
    assert figures["in_app_webhooks"] == steps > 0
    for part in ("duration_ms", "cpu_ms", "run_queue_ms"):
        assert figures["in_app_ms"][part]["p50"] is not None
    # The app's part of a webhook is less than the whole the client waited, at the median: the
    # access line's clock stops when the server closes the response, after it was sent, so
    # one webhook's (the p99 of a few dozen is their slowest) may end after its client's did.
    assert figures["in_app_ms"]["duration_ms"]["p50"] <= figures["webhook_ms"]["p50"]


def test_a_small_storm_on_two_web_processes_files_every_report(tmp_path: Path) -> None:
    """``--web-workers 2``: two gunicorn workers on one SQLite file (and the bare and floor
    apps under the same options), every call still filed once."""
    written = tmp_path / "storm.json"
    small = ["--calls", "4", "--audio-share", "0", "--pace", "0", "--ramp", "0"]
    main([*small, "--web-workers", "2", "--json", str(written)])
    figures = json.loads(written.read_text(encoding="utf-8"))

    assert figures["server"]["workers"] == 2
    assert (figures["reports_filed"], figures["outbox"]) == (4, {"filed": 4})
    assert (figures["errors"], figures["bare_errors"], figures["floor_errors"]) == (0, 0, 0)
