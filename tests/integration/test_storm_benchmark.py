"""The storm benchmark's machinery on a few calls, so that it cannot rot unnoticed: ``ivr serve``
started as a city starts it, keypad callers placed without pacing, the same webhooks replayed
to the bare app; every call must end with its report filed at the embedded endpoint."""

from __future__ import annotations

from benchmarks.storm import parse_args, run


def test_every_call_of_a_small_storm_files_its_report() -> None:
    figures = run(parse_args(["--calls", "3", "--audio-share", "0", "--pace", "0", "--ramp", "0"]))

    assert figures["reports_filed"] == 3
    assert figures["outbox"] == {"filed": 3}
    assert figures["errors"] == 0
    assert figures["ended_by"] == {"gateway": 3}
    assert figures["bare_errors"] == 0
