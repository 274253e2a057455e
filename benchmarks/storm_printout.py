"""The storm's figures as a person reads them (``benchmarks/storm.py``; its docstring says what
each figure means, and ``--json`` writes the same figures for a program)."""

from __future__ import annotations

from typing import Any


def _ms(figures: dict[str, float | None], digits: int = 0) -> str:
    return ", ".join(f"{k} {'-' if v is None else f'{v:.{digits}f}'}" for k, v in figures.items())


def print_figures(f: dict[str, Any]) -> None:
    server = f["server"]
    print(
        f"\nserver: gunicorn {server.get('worker_class')}, {server.get('workers')} web "
        f"process(es) x {server.get('threads')} threads (from {f['server_settings_from']}); "
        f"recognition workers: {f['recognition_workers']}; tree at most "
        f"{f['gateway_processes']} processes, {f['gateway_threads']} threads"
    )
    print(
        f"calls {f['calls']} ({f['audio_calls']} speaking), {f['database']}, pace {f['pace']}: "
        f"errors {f['errors']}, dropped {f['dropped']}, ended by {f['ended_by']}"
    )
    for problem, count in f["problems"].items():
        print(f"  {count} x {problem}")
    print(
        f"gateway webhooks ({f['webhooks'] - f['transcript_webhooks']}): {_ms(f['webhook_ms'])} ms"
    )
    for path, figures in list(f["webhook_ms_by_path"].items())[:6]:
        count, p50, p99 = figures["count"], figures["p50"], figures["p99"]
        print(f"  {path} ({count:.0f}): p50 {p50:.0f}, p99 {p99:.0f}")
    parts = f["in_app_ms"]
    print(
        f"  in the app ({f['in_app_webhooks']} in its access log): "
        f"{_ms(parts['duration_ms'], 1)} ms; CPU {_ms(parts['cpu_ms'], 1)}; "
        f"waiting for a core {_ms(parts['run_queue_ms'], 1)}"
    )
    tail = f["in_app_slowest_1_percent_ms"]
    print(
        "  its slowest 1 %, means: "
        + ", ".join(f"{k} {v}" for k, v in tail.items() if k != "count")
        + " ms"
    )
    print(
        f"gateway webhooks waiting for a transcript ({f['transcript_webhooks']}): "
        f"{_ms(f['transcript_webhook_ms'])} ms"
    )
    print(f"bare app webhooks: {_ms(f['bare_webhook_ms'])} ms (errors {f['bare_errors']})")
    print(f"gateway / bare: {f['ratio_gateway_to_bare']}")
    print(f"floor app webhooks: {_ms(f['floor_webhook_ms'])} ms (errors {f['floor_errors']})")
    print(f"gateway / floor: {f['ratio_gateway_to_floor']}")
    print(f"floor / bare: {f['ratio_floor_to_bare']}")
    print(f"read-back after the end of speech ({f['read_backs']}): {_ms(f['read_back_ms'])} ms")
    print(f"reports filed {f['reports_filed']} of {f['calls']}; outbox {f['outbox']}")
    for reason, count in f["parked_because"].items():
        print(f"  parked {count}: {reason}")
    print(
        f"gateway tree: {f['gateway_cpu_seconds']} CPU s over {f['storm_seconds']} s, peak RSS "
        f"{f['gateway_peak_rss_mib']} MiB; {f['requests_per_second']} req/s "
        f"(bare {f['bare_requests_per_second']}, floor {f['floor_requests_per_second']} req/s)"
    )
