"""Webhook cost without a server or a network: whole pothole intake calls (the script of
``webhook_load.py``) sent to the app in this process through ``httpx.WSGITransport``, the app's
own work loop filing the reports meanwhile, as ``ivr serve``'s web process does. Prints the
latency of the app's answers, p50/p90/p99 in milliseconds. Without gunicorn and sockets in the
way, it shows what the gateway's own code costs (state handling, lookups, TwiML), and is
steady enough to compare two versions of it run after run (``--profile``: where the time goes).

``--lock-hold`` also prints how long each transaction begun with ``BEGIN IMMEDIATE`` (the call
desk's writes: SQLite's one write lock, which every writer of every process queues for) held
the lock, from the moment it was taken to the commit or rollback.

``--busy-thread`` runs a thread beside the calls that takes the GIL for 5 ms of Python every
50 ms (as the web process's job and outbox threads do, in bursts), and ``--switch-interval S``
sets ``sys.setswitchinterval`` (CPython's default, which ``ivr serve`` keeps, is 0.005: 1 ms
was tried against a busy thread and made no difference, docs/serving.md).

``--database postgres`` runs the calls on a new database of the PostgreSQL server of
``--postgres-url`` (default ``IVR_TEST_POSTGRES_URL``; ``scripts/start-postgres`` prints one),
dropped afterwards, instead of a new SQLite file.

Run: PYTHONPATH=. .venv/bin/python benchmarks/webhooks_in_process.py [--calls 80] [--profile]
     [--lock-hold] [--busy-thread] [--switch-interval 0.005]
     [--database sqlite|postgres] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.pool import Pool

from benchmarks.storm_servers import fresh_store
from benchmarks.webhook_load import POTHOLE, TOKEN
from ivr.app import create_app
from ivr.serve import prepare
from ivr.settings import Settings
from ivr.simulator import CallOptions, MediaServer, place_call

BASE = "http://gateway.test"


class TimedWsgi(httpx.WSGITransport):
    """The app's answer time of every request."""

    seconds: list[float]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        began = time.perf_counter()
        response = super().handle_request(request)
        self.seconds.append(time.perf_counter() - began)
        return response


class LockHolds:
    """Times SQLite's write lock from ``BEGIN IMMEDIATE`` done to the end of its transaction,
    on every connection of this process's pools. SQLite's own trace of the statements it runs
    is read (``set_trace_callback``, set at each checkout), not SQLAlchemy's events: a call
    step's statements run on the driver's cursor (ivr/store/driver.py), which fires none."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._taken: dict[int, float] = {}
        event.listen(Pool, "checkout", self._checked_out)

    def close(self) -> None:
        """Stop tracing the connections checked out from now on."""
        event.remove(Pool, "checkout", self._checked_out)

    def _checked_out(self, dbapi_connection: Any, *_: object) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            key = id(dbapi_connection)
            dbapi_connection.set_trace_callback(lambda sql: self._traced(key, sql))

    def _traced(self, key: int, sql: str) -> None:
        if sql == "BEGIN IMMEDIATE":
            self._taken[key] = time.perf_counter()
        elif sql in ("COMMIT", "ROLLBACK"):
            taken = self._taken.pop(key, None)
            if taken is not None:
                self.seconds.append(time.perf_counter() - taken)


class BusyThread:
    """A thread that holds the GIL for ``burst`` seconds of Python every ``period`` seconds."""

    def __init__(self, burst: float = 0.005, period: float = 0.05) -> None:
        self._burst, self._period = burst, period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="busy", daemon=True)

    def __enter__(self) -> BusyThread:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.perf_counter()
            while time.perf_counter() - began < self._burst:
                sum(range(200))
            self._stop.wait(self._period - self._burst)


def percentiles_ms(seconds: list[float]) -> str:
    ordered = sorted(seconds)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000

    return f"p50 {at(0.5):.2f} ms, p90 {at(0.9):.2f} ms, p99 {at(0.99):.2f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=80)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top 40")
    parser.add_argument("--lock-hold", action="store_true", help="time SQLite's write lock")
    parser.add_argument("--busy-thread", action="store_true", help="a thread taking the GIL")
    parser.add_argument("--switch-interval", type=float, default=sys.getswitchinterval())
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("IVR_TEST_POSTGRES_URL", ""))
    args = parser.parse_args(argv)
    if args.database == "postgres" and not args.postgres_url:
        parser.error("--database postgres needs --postgres-url (scripts/start-postgres prints one)")
    sys.setswitchinterval(args.switch_interval)
    folder = Path(tempfile.mkdtemp(prefix="voice311-webhooks-"))
    with fresh_store(args.database, folder, args.postgres_url) as url:
        run(args, folder, url)


def run(args: argparse.Namespace, folder: Path, database_url: str) -> None:
    """The calls, on the store at ``database_url``; their figures printed."""
    settings = Settings(
        database_url=database_url,
        twilio_auth_token=TOKEN,
        models_dir=str(folder / "models"),
        public_base_url=BASE,
        recognizer="twilio",  # the script speaks through Twilio's speech: nothing to decode
        log_level="WARNING",
    )
    prepare(settings)
    app = create_app(settings)
    work = app.extensions["voice311"].work
    work.start()
    transport = TimedWsgi(app=app)
    transport.seconds = []
    options = CallOptions(
        voice_url=f"{BASE}/twilio/voice",
        auth_token=TOKEN,
        status_callback=f"{BASE}/twilio/voice/status",
        pause_pace=0.0,
    )
    profile = cProfile.Profile()
    try:
        with httpx.Client(transport=transport, base_url=BASE) as http, MediaServer() as media:
            place_call(http, options, POTHOLE, media=media)  # warm up: the index loads
            transport.seconds.clear()
            holds = LockHolds() if args.lock_hold else None
            if args.profile:
                profile.enable()
            with BusyThread() if args.busy_thread else contextlib.nullcontext():
                for _ in range(args.calls):
                    place_call(http, options, POTHOLE, media=media)
            profile.disable()
    finally:
        work.stop()
    count = len(transport.seconds)
    print(
        f"{args.calls} calls on {args.database}, {count} webhooks (switch interval "
        f"{args.switch_interval * 1000:g} ms{', a busy thread' if args.busy_thread else ''}): "
        f"{percentiles_ms(transport.seconds)}"
    )
    if holds is not None and holds.seconds:
        print(
            f"SQLite's write lock held, {len(holds.seconds)} transactions begun with BEGIN "
            f"IMMEDIATE: {percentiles_ms(holds.seconds)}"
        )
    if args.profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
