"""The outbox fault run: simulated calls while the city fails and workers are killed.

A gateway (no delivery thread) takes the calls; ``ivr worker`` processes deliver its outbox to
a :class:`~tests.support.faulty_city.FaultyCity` standing in front of the embedded endpoint of a
second gateway (the city, on its own SQLite store). Afterwards the city's requests are compared
with the gateway's reports, key by key. Used by ``tests/integration/test_outbox_faults.py``
and ``benchmarks/outbox_faults.py``.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from ivr.app import create_app
from ivr.outbox.attempts import attempt_counts, attempts_by_worker
from ivr.outbox.lookup import KEY_LINE
from ivr.outbox.queue import FILED
from ivr.settings import Settings
from ivr.simulator import CallOptions, MediaServer, Press, Silence, Speak, place_call
from ivr.store.call_tables import OutboxAttemptRecord, OutboxRecord, ReportRecord
from ivr.store.db import make_engine, make_sessionmaker, upgrade
from ivr.store.request_tables import ServiceRequestRecord
from tests.support.faulty_city import FaultPlan, FaultyCity, SwitchableServer, serving
from tests.support.live_server import serve_wsgi
from tests.support.models_folder import models_folder
from tests.support.worker_pool import WorkerPool

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
HOUSES = ("twelve", "four thirty eight")  # each in one part of the city only
KEY_PATTERN = re.compile(KEY_LINE.format(key="([0-9a-f]{32})"))
WORKER_ENV = {
    "IVR_OPEN311_TIMEOUT": "1",
    "IVR_OUTBOX_LEASE": "3.5",
    "IVR_OUTBOX_RETRY_BASE": "0.2",
    "IVR_OUTBOX_RETRY_CAP": "2",
    "IVR_LOG_LEVEL": "WARNING",
    "IVR_DUPLICATE_RADIUS_METRES": "0",
    "IVR_RECOGNIZER": "twilio",  # every call files its own report: no "me too" offer
}


def caller_script(number: int) -> list[object]:
    """A pothole on Washington Street, described and sent (the house varies by call)."""
    return [
        Silence(),  # stay in English
        Press("2"),  # street defects
        Press("2"),  # pavement defect
        Press("1"),  # pothole
        Press(f"{number % 5 + 1}#"),  # feet wide
        Speak("the right lane"),
        Speak(f"{HOUSES[number % len(HOUSES)]} washington street"),
        Press("1"),
        Speak("a deep pothole by the curb"),
        Press("1"),
    ]


@dataclass(frozen=True)
class FaultRun:
    database_url: str  # the gateway's store: migrated, with the gazetteer loaded
    city_database_url: str  # the city's store (migrated here)
    log_dir: Path
    calls: int = 30
    workers: int = 1
    plan: FaultPlan = field(default_factory=FaultPlan)
    call_threads: int = 4
    drain_ceiling: float = 180.0


@dataclass
class FaultCounts:
    calls: int = 0
    told_received: int = 0
    reports: int = 0
    filed: int = 0
    at_city: int = 0
    duplicates: int = 0
    lost: int = 0
    wrong_ids: int = 0
    unsettled: dict[str, int] = field(default_factory=dict)
    drained: bool = False
    calls_seconds: float = 0.0
    drain_seconds: float = 0.0
    injected: dict[str, int] = field(default_factory=dict)
    outages: int = 0
    kills: int = 0
    restarts: int = 0
    attempts: dict[tuple[str, str], int] = field(default_factory=dict)
    by_worker: dict[str, int] = field(default_factory=dict)
    overlapping_workers: int = 0  # most workers that held rows at one moment

    def lines(self) -> list[str]:
        attempts = ", ".join(
            f"{outcome}{'/' + kind if kind else ''} {n}"
            for (outcome, kind), n in sorted(self.attempts.items())
        )
        return [
            f"calls {self.calls}, told received {self.told_received}, reports {self.reports}",
            f"filed {self.filed}, at the city {self.at_city}, duplicates {self.duplicates}, "
            f"lost {self.lost}, wrong ids {self.wrong_ids}, unsettled {self.unsettled or 0}",
            f"calls took {self.calls_seconds:.1f} s; drained {self.drained} "
            f"{self.drain_seconds:.1f} s after the first call",
            "faults injected: " + ", ".join(f"{k} {v}" for k, v in sorted(self.injected.items())),
            f"outages {self.outages}, workers killed {self.kills}, restarted {self.restarts}",
            f"attempts by outcome/kind: {attempts}",
            f"attempts per worker: {sorted(self.by_worker.values(), reverse=True)}; "
            f"most workers delivering at once: {self.overlapping_workers}",
        ]


def run_faults(run: FaultRun) -> FaultCounts:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    counts = FaultCounts(calls=run.calls)
    upgrade(run.city_database_url)
    city_app = create_app(Settings(database_url=run.city_database_url, models_dir=models_folder()))
    env = {**os.environ, **WORKER_ENV, "IVR_DATABASE_URL": run.database_url}
    pool = WorkerPool(run.workers, env, run.log_dir)
    gateway_settings = Settings(
        recognizer="twilio",  # the caller script speaks words, not audio
        database_url=run.database_url,
        twilio_auth_token=AUTH_TOKEN,
        filing_wait=1,
        duplicate_radius_metres=0,
        models_dir=models_folder(),
    )
    gateway = create_app(gateway_settings)
    with (
        serve_wsgi(city_app) as city_url,
        httpx.Client(timeout=10) as forwarder,
        httpx.Client(timeout=15) as phone,
        MediaServer() as media,
        serve_wsgi(gateway) as gateway_url,
    ):
        server = SwitchableServer(None)
        stand_in = FaultyCity(
            city_url,
            run.plan,
            forwarder,
            kill_sender=pool.kill_client_of,
            go_down=lambda: server.outage(run.plan.outage_seconds),
        )
        server.app = stand_in
        with serving(server) as stand_in_url:
            pool.env["IVR_OPEN311_ENDPOINT"] = f"{stand_in_url}/open311/v2"
            pool.start()
            try:
                started = time.monotonic()
                counts.told_received = _place_calls(run, phone, media, gateway_url)
                counts.calls_seconds = time.monotonic() - started
                counts.drained = _wait_drained(run)
                counts.drain_seconds = time.monotonic() - started
            finally:
                pool.stop()
        counts.injected = dict(stand_in.injected)
        counts.outages = server.outages
    counts.kills, counts.restarts = pool.kills, pool.restarts
    _compare(run, counts)
    return counts


def _place_calls(run: FaultRun, phone: httpx.Client, media: MediaServer, base: str) -> int:
    options = CallOptions(
        voice_url=f"{base}/twilio/voice",
        auth_token=AUTH_TOKEN,
        status_callback=f"{base}/twilio/voice/status",
        pause_pace=0.05,
    )

    def call(number: int) -> bool:
        result = place_call(phone, options, caller_script(number), media=media)
        return "Thank you. Your report has been received." in result.transcript.heard()

    with ThreadPoolExecutor(run.call_threads) as calls:
        return sum(calls.map(call, range(run.calls)))


def _wait_drained(run: FaultRun) -> bool:
    """Until every report is filed (polled every half second, at most ``drain_ceiling``)."""
    engine = make_engine(run.database_url)
    sessions = make_sessionmaker(engine)
    deadline = time.monotonic() + run.drain_ceiling
    try:
        while time.monotonic() < deadline:
            with sessions() as session:
                waiting = session.scalar(
                    select(func.count())
                    .select_from(OutboxRecord)
                    .where(OutboxRecord.status != FILED)
                )
            if waiting == 0:
                return True
            time.sleep(0.5)
        return False
    finally:
        engine.dispose()


def _compare(run: FaultRun, counts: FaultCounts) -> None:
    """What the city holds against what the gateway took, key by key."""
    city_engine = make_engine(run.city_database_url)
    with make_sessionmaker(city_engine)() as session:
        held = session.execute(
            select(ServiceRequestRecord.service_request_id, ServiceRequestRecord.description)
        ).all()
    city_engine.dispose()
    at_city: dict[str, list[str]] = {}
    for service_request_id, description in held:
        found = KEY_PATTERN.search(description)
        at_city.setdefault(found.group(1) if found else "", []).append(service_request_id)
    engine = make_engine(run.database_url)
    with make_sessionmaker(engine)() as session:
        rows = session.execute(
            select(OutboxRecord, ReportRecord.call_sid).join(
                ReportRecord, ReportRecord.id == OutboxRecord.report_id
            )
        ).all()
        counts.attempts = attempt_counts(session)
        counts.by_worker = attempts_by_worker(session)
        spans = session.execute(
            select(
                OutboxAttemptRecord.worker,
                OutboxAttemptRecord.started_at,
                OutboxAttemptRecord.finished_at,
            ).where(OutboxAttemptRecord.error_kind != "worker_lost")
        ).all()
    engine.dispose()
    counts.reports = len(rows)
    counts.filed = sum(1 for row, _ in rows if row.status == FILED)
    counts.unsettled = dict(Counter(row.status for row, _ in rows if row.status != FILED))
    counts.at_city = len(held)
    counts.duplicates = sum(len(ids) - 1 for ids in at_city.values() if len(ids) > 1)
    counts.lost = sum(1 for row, _ in rows if row.key not in at_city)
    counts.wrong_ids = sum(
        1
        for row, _ in rows
        if row.key in at_city and row.service_request_id not in at_city[row.key]
    )
    counts.overlapping_workers = _most_at_once(spans)


def _most_at_once(spans: list[tuple[str, object, object]]) -> int:
    """The most distinct workers with an attempt in flight at one moment."""
    events = []
    for worker, started, finished in spans:
        events.append((started, 1, worker))
        events.append((finished or started, -1, worker))
    holding: Counter[str] = Counter()
    most = 0
    for _, change, worker in sorted(events, key=lambda e: (e[0], e[1])):
        holding[worker] += change
        most = max(most, sum(1 for n in holding.values() if n > 0))
    return most
