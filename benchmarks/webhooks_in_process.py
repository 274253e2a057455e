"""Webhook cost without a server or a network: whole pothole intake calls (the script of
``webhook_load.py``) sent to the app in this process through ``httpx.WSGITransport``, the app's
own work loop filing the reports meanwhile, as ``ivr serve``'s web process does. Prints the
latency of the app's answers and the CPU time each took, p50/p90/p99 in milliseconds. Without
gunicorn and sockets in the way, it shows what the gateway's own code costs (state handling,
lookups, TwiML), and is steady enough to compare two versions of it run after run
(``--profile``: where the time goes).

``--callers storm`` places the storm's callers instead (``storm_calls.py``: a problem of the
evaluation at a real Boston address, the place keyed, menus answered by key or by Twilio
speech; no audio, so nothing is decoded), the mix of steps whose tail the storm measures. After
the percentiles, the slowest 2 % of the webhooks are listed by what they answered (their path
and the first words they said): which steps make the tail.

``--lock-hold`` also prints how long each transaction begun with ``BEGIN IMMEDIATE`` (the call
desk's writes: SQLite's one write lock, which every writer of every process queues for) held
the lock, from the moment it was taken to the commit or rollback.

``--busy-thread`` runs a thread beside the calls that takes the GIL for 5 ms of Python every
50 ms (as the web process's job and outbox threads do, in bursts), and ``--switch-interval S``
sets ``sys.setswitchinterval`` (CPython's default, which ``ivr serve`` keeps, is 0.005: 1 ms
was tried against a busy thread and made no difference, docs/serving.md).

``--gap S`` sleeps S seconds before each webhook, as a storm paced like real calls leaves the
web process idle between webhooks (about 5 a second at 100 callers). On this virtual machine
any Python run after such a gap takes more CPU time than the same run back to back (the
host's core has done other work meanwhile): the benchmark also prints the CPU time of one
fixed piece of Python run both ways, to tell the machine's part from the gateway's
(docs/serving.md, "A paced webhook runs on a cold core").

``--database postgres`` runs the calls on a new database of the PostgreSQL server of
``--postgres-url`` (default ``IVR_TEST_POSTGRES_URL``; ``scripts/start-postgres`` prints one),
dropped afterwards, instead of a new SQLite file.

Run: PYTHONPATH=. .venv/bin/python benchmarks/webhooks_in_process.py [--calls 80] [--profile]
     [--callers pothole|storm]
     [--lock-hold] [--busy-thread] [--switch-interval 0.005] [--gap 0.2]
     [--database sqlite|postgres] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import json
import os
import pstats
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.pool import Pool

from benchmarks.speech_calls_eval import CITIES, sample_addresses
from benchmarks.storm_calls import Target, place_storm_call, plan
from benchmarks.storm_servers import fresh_store
from benchmarks.webhook_load import POTHOLE, TOKEN
from ivr.app import create_app
from ivr.serve import prepare
from ivr.settings import Settings
from ivr.simulator import CallOptions, MediaServer, place_call

BASE = "http://gateway.test"
FIRST_SAY = re.compile(rb"<Say[^>]*>([^<]{0,20})")
STEP_NUMBER = re.compile(r"/step/\d+/")


class TimedWsgi(httpx.WSGITransport):
    """The app's answer time of every request, the CPU time it took (the app runs on the
    calling thread), and what each answered: its path and the first words of its first
    ``<Say>``. Each request is sent after ``gap`` seconds of this thread sleeping."""

    seconds: list[float]
    cpu_seconds: list[float]
    answers: list[str]
    gap: float = 0.0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.gap > 0:
            time.sleep(self.gap)
        began, cpu_began = time.perf_counter(), time.thread_time()
        response = super().handle_request(request)
        self.seconds.append(time.perf_counter() - began)
        self.cpu_seconds.append(time.thread_time() - cpu_began)
        said = FIRST_SAY.search(response.read())
        path = STEP_NUMBER.sub("/step/N/", request.url.path)
        self.answers.append(f"{path} {said.group(1).decode()!r}" if said else path)
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


def yardstick_ms(gap: float, runs: int = 40) -> tuple[float, float]:
    """The median CPU time of one fixed piece of Python (a JSON round trip of 300 small
    records) run after ``gap`` seconds of sleep, and run again at once, back to back: how
    much slower this machine runs the same work when it has been idle, whatever the work.
    Each pair is measured together, so the machine's hour is the same for both."""
    records = {str(i): {"values": [i, str(i)], "more": {"twice": i * 2}} for i in range(300)}

    def once() -> float:
        began = time.thread_time()
        json.loads(json.dumps(records))
        return time.thread_time() - began

    idle, warm = [], []
    for _ in range(runs):
        time.sleep(gap)
        idle.append(once())
        for _ in range(3):
            once()
        warm.append(once())
    return statistics.median(warm) * 1000, statistics.median(idle) * 1000


def percentiles_ms(seconds: list[float]) -> str:
    ordered = sorted(seconds)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000

    return f"p50 {at(0.5):.2f} ms, p90 {at(0.9):.2f} ms, p99 {at(0.99):.2f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=80)
    parser.add_argument(
        "--callers", choices=("pothole", "storm"), default="pothole",
        help="the pothole script each time, or the storm's callers without audio",
    )  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="print cProfile's top 40")
    parser.add_argument("--lock-hold", action="store_true", help="time SQLite's write lock")
    parser.add_argument("--busy-thread", action="store_true", help="a thread taking the GIL")
    parser.add_argument("--switch-interval", type=float, default=sys.getswitchinterval())
    parser.add_argument(
        "--gap", type=float, default=0.0,
        help="seconds idle before each webhook, as a paced storm leaves the web process",
    )  # fmt: skip
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("IVR_TEST_POSTGRES_URL", ""))
    args = parser.parse_args(argv)
    if args.database == "postgres" and not args.postgres_url:
        parser.error("--database postgres needs --postgres-url (scripts/start-postgres prints one)")
    sys.setswitchinterval(args.switch_interval)
    with (
        tempfile.TemporaryDirectory(prefix="voice311-webhooks-") as name,
        fresh_store(args.database, Path(name), args.postgres_url) as url,
    ):
        run(args, Path(name), url)


def run(args: argparse.Namespace, folder: Path, database_url: str) -> None:
    """The calls, on the store at ``database_url``; their figures printed."""
    storm = args.callers == "storm"
    with MediaServer(auth_token=TOKEN) if storm else MediaServer() as media:
        settings = Settings(
            database_url=database_url,
            twilio_auth_token=TOKEN,
            models_dir=str(folder / "models"),
            public_base_url=BASE,
            # The pothole script speaks through Twilio's speech: nothing to decode. The storm's
            # callers without audio key their places; the gateway's own recogniser is set up
            # as in the storm, and never decodes here.
            recognizer=Settings().recognizer if storm else "twilio",
            recording_hosts=media.base_url.removeprefix("http://"),
            log_level="WARNING",
        )
        prepare(settings)
        app = create_app(settings)
        work = app.extensions["voice311"].work
        work.start()
        transport = TimedWsgi(app=app)
        transport.seconds, transport.cpu_seconds, transport.answers = [], [], []
        calls = _callers(args, transport, media, folder)
        profile = cProfile.Profile()
        try:
            calls[0]()  # warm up: the index loads
            transport.seconds.clear()
            transport.cpu_seconds.clear()
            transport.answers.clear()
            transport.gap = args.gap
            holds = LockHolds() if args.lock_hold else None
            if args.profile:
                profile.enable()
            with BusyThread() if args.busy_thread else contextlib.nullcontext():
                for call in calls[1:]:
                    call()
            profile.disable()
        finally:
            work.stop()
    count = len(transport.seconds)
    print(
        f"{args.calls} {args.callers} calls on {args.database}, {count} webhooks (switch "
        f"interval {args.switch_interval * 1000:g} ms"
        f"{', a busy thread' if args.busy_thread else ''}"
        f"{f', {args.gap * 1000:g} ms idle before each' if args.gap else ''}): "
        f"{percentiles_ms(transport.seconds)}; CPU {percentiles_ms(transport.cpu_seconds)}"
    )
    if args.gap:
        warm, idle = yardstick_ms(args.gap)
        print(
            f"the machine's yardstick (the same Python each time): {warm:.3f} ms run back to "
            f"back, {idle:.3f} ms after {args.gap * 1000:g} ms idle ({idle / warm:.2f}×)"
        )
    print_slowest(transport, share=0.02)
    if holds is not None and holds.seconds:
        print(
            f"SQLite's write lock held, {len(holds.seconds)} transactions begun with BEGIN "
            f"IMMEDIATE: {percentiles_ms(holds.seconds)}"
        )
    if args.profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


def _callers(
    args: argparse.Namespace, transport: TimedWsgi, media: MediaServer, folder: Path
) -> list[Callable[[], object]]:
    """A warm-up call and ``args.calls`` calls, each placed when called."""
    if args.callers == "storm":
        addresses = sample_addresses(CITIES["boston"], args.calls + 1, 1)
        target = Target(BASE, TOKEN)
        return [
            functools.partial(place_storm_call, call, target, media, folder, transport, 0.0, 0.0)
            for call in plan(addresses, 0.0, 0.0, 1)
        ]
    http = httpx.Client(transport=transport, base_url=BASE)
    options = CallOptions(
        voice_url=f"{BASE}/twilio/voice",
        auth_token=TOKEN,
        status_callback=f"{BASE}/twilio/voice/status",
        pause_pace=0.0,
    )
    place = functools.partial(place_call, http, options, POTHOLE, media=media)
    return [place] * (args.calls + 1)


def print_slowest(transport: TimedWsgi, share: float) -> None:
    """What the slowest ``share`` of the webhooks answered (the first words they said)."""
    ranked = sorted(zip(transport.seconds, transport.answers, strict=True), reverse=True)
    slowest = ranked[: max(1, round(len(ranked) * share))]
    said = Counter(answer for _, answer in slowest)
    print(f"the slowest {share:.0%} ({len(slowest)} webhooks), by what they answered:")
    for answer, count in said.most_common():
        times = [seconds * 1000 for seconds, a in slowest if a == answer]
        print(f"  {count:3d}  {min(times):.1f}–{max(times):.1f} ms  {answer}")


if __name__ == "__main__":
    main()
