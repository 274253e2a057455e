"""Webhook latency and throughput of ``ivr serve`` under concurrent simulated calls, beside a
bare Flask app under the same gunicorn answering a fixed TwiML document.

Run: PYTHONPATH=. .venv/bin/python benchmarks/webhook_load.py [--calls 40] [--concurrency 8]

Both servers run as subprocesses on free ports on 127.0.0.1, under the gunicorn options
``ivr serve`` uses (``bare_server.serve_options``); the gateway on a temporary SQLite store
with the Boston gazetteer, filing to its own embedded endpoint from its outbox thread. Each
simulated call is the whole pothole intake (13 signed webhooks); the bare app answers each
request with one fixed ``<Gather>``, and its callers press as many keys. Prints per-request
latency p50/p99, requests/s, and the ratio of the two — the cost of voice311's state handling,
lookups and TwiML.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bare_server import free_port, start_bare_server, wait_ready
from ivr.serve import prepare
from ivr.settings import Settings
from ivr.simulator import CallOptions, MediaServer, Press, Silence, Speak, place_call
from ivr.stopping import remove_when_this_process_exits

TOKEN = "0123456789abcdef0123456789abcdef"
POTHOLE: list[Any] = [
    Silence(),
    Press("2"),
    Press("2"),
    Press("1"),
    Press("3#"),
    Speak("the right lane"),
    Speak("four thirty eight washington street"),
    Press("1"),
    Speak("a deep pothole by the curb"),
    Press("1"),
]


class TimedTransport(httpx.HTTPTransport):
    """Records the time of every request that goes through it."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = super().handle_request(request)
        response.read()
        elapsed = time.perf_counter() - started
        with self._lock:
            self.seconds.append(elapsed)
        return response


def load(base: str, script: list[Any], calls: int, concurrency: int) -> tuple[list[float], float]:
    transport = TimedTransport()
    options = CallOptions(
        voice_url=f"{base}/twilio/voice",
        auth_token=TOKEN,
        status_callback=f"{base}/twilio/voice/status",
        pause_pace=0.0,
    )
    with httpx.Client(transport=transport, timeout=30) as http, MediaServer() as media:
        place_call(http, options, script, media=media)  # warm up (the gazetteer index loads)
        transport.seconds.clear()
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            results = list(
                pool.map(lambda _: place_call(http, options, script, media=media), range(calls))
            )
        elapsed = time.perf_counter() - started
    bad = [r for r in results if r.ended_by not in ("gateway", "script", "caller")]
    if bad:
        print(f"  {len(bad)} calls ended badly: {sorted({r.ended_by for r in bad})}")
    return transport.seconds, elapsed


def report(name: str, seconds: list[float], elapsed: float) -> float:
    ordered = sorted(seconds)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(
        f"{name:>10}: {len(ordered)} requests in {elapsed:.2f} s, {len(ordered) / elapsed:.0f} "
        f"req/s, latency p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    return p50


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="voice311-load-"))
    remove_when_this_process_exits(folder)
    ivr = Path(sys.executable).with_name("ivr")
    port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "IVR_DATABASE_URL": f"sqlite:///{folder / 'voice311.db'}",
        "IVR_MODELS_DIR": str(folder / "models"),
        "IVR_PORT": str(port),
        "IVR_TWILIO_AUTH_TOKEN": TOKEN,
        "IVR_LOG_LEVEL": "WARNING",
    }
    prepare(Settings.from_env(env))
    servers = [subprocess.Popen([str(ivr), "serve"], env=env, stderr=subprocess.DEVNULL)]
    try:
        servers.append(start_bare_server(bare_port, env))
        wait_ready(f"http://127.0.0.1:{port}/healthz", servers[0])
        print(f"{args.calls} calls, {args.concurrency} at a time")
        ours = report(
            "voice311", *load(f"http://127.0.0.1:{port}", POTHOLE, args.calls, args.concurrency)
        )
        bare_script: list[Any] = [Press("1")] * 12
        bare_base = f"http://127.0.0.1:{bare_port}"
        bare = report(
            "bare flask", *load_bare(bare_base, bare_script, args.calls, args.concurrency)
        )
        print(f"ratio of p50 latencies (voice311 / bare): {ours / bare:.1f}")
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)


def load_bare(
    base: str, script: list[Any], calls: int, concurrency: int
) -> tuple[list[float], float]:
    transport = TimedTransport()
    options = CallOptions(voice_url=f"{base}/voice", auth_token=TOKEN, pause_pace=0.0)
    with httpx.Client(transport=transport, timeout=30) as http:
        place_call(http, options, script)
        transport.seconds.clear()
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda _: place_call(http, options, script), range(calls)))
        return transport.seconds, time.perf_counter() - started


if __name__ == "__main__":
    main()
