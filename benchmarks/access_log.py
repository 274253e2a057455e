"""The gateway's access log read back by a benchmark: each request's time inside the app, apart
from the server, the network and the client.

Each ``ivr.access`` line (``ivr/request_context.py``, docs/serving.md "Logs") carries the
request's id, which the response's ``X-Request-Id`` also carries, so a client that kept the
header can find its own requests' lines. A line's ``duration_ms`` splits into ``cpu_ms`` (the
serving thread working), ``run_queue_ms`` (on Linux: ready to run, waiting for a core) and the
rest (waiting for the GIL, a lock, the database or the network)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PARTS = ("duration_ms", "cpu_ms", "run_queue_ms")


def access_lines(log: Path) -> dict[str, dict[str, Any]]:
    """The access lines of a JSON log, by request id; other lines, and lines cut short by a
    process killed mid-write, are passed over."""
    lines: dict[str, dict[str, Any]] = {}
    with log.open(encoding="utf-8", errors="replace") as stream:
        for text in stream:
            if '"ivr.access"' not in text:
                continue
            try:
                line = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(line, dict) and line.get("request_id"):
                lines[str(line["request_id"])] = line
    return lines


def slowest_share(lines: list[dict[str, Any]], share: float) -> dict[str, float | None]:
    """The mean of each part over the slowest ``share`` of ``lines`` by duration (at least
    one): what the tail is made of, which percentiles of each part apart cannot say. ``other``
    is what the parts leave of the duration."""
    if not lines:
        return {part: None for part in (*PARTS, "other")}
    slowest = sorted(lines, key=lambda line: float(line["duration_ms"]))
    slowest = slowest[-max(1, round(len(slowest) * share)) :]
    means = {
        part: round(sum(float(line.get(part) or 0.0) for line in slowest) / len(slowest), 2)
        for part in PARTS
    }
    rest = means["duration_ms"] - means["cpu_ms"] - means["run_queue_ms"]
    return {**means, "other": round(max(0.0, rest), 2), "count": float(len(slowest))}
