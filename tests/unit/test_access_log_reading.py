"""The storm reads the gateway's access log back: each line by its request id, and what the
slowest webhooks' time in the app was made of."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.access_log import access_lines, slowest_share


def _line(rid: str, duration: float, cpu: float, queued: float) -> dict[str, object]:
    return {
        "logger": "ivr.access",
        "request_id": rid,
        "path": "/twilio/voice/step/2/gather",
        "duration_ms": duration,
        "cpu_ms": cpu,
        "run_queue_ms": queued,
    }


def test_access_lines_are_found_by_request_id_and_the_rest_passed_over(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    written = [
        json.dumps({"logger": "ivr.serve", "message": "voice311 listening"}),
        json.dumps(_line("a1", 3.0, 2.0, 0.5)),
        '{"logger": "ivr.access", "request_id": "cut',  # a process killed mid-line
        json.dumps(_line("b2", 9.0, 3.0, 4.0)),
    ]
    log.write_text("\n".join(written) + "\n", encoding="utf-8")
    lines = access_lines(log)
    assert sorted(lines) == ["a1", "b2"]
    assert lines["b2"]["run_queue_ms"] == 4.0


def test_the_slowest_share_says_what_the_tail_is_made_of() -> None:
    quick = [_line(f"q{n}", 2.0, 1.8, 0.1) for n in range(198)]
    slow = [_line("s1", 10.0, 3.0, 5.0), _line("s2", 8.0, 3.0, 1.0)]
    tail = slowest_share([*slow[:1], *quick, *slow[1:]], 0.01)  # 1 % of 200: the two slow
    assert tail == {
        "duration_ms": 9.0,
        "cpu_ms": 3.0,
        "run_queue_ms": 3.0,
        "other": 3.0,
        "count": 2.0,
    }
    assert slowest_share([], 0.01)["duration_ms"] is None
