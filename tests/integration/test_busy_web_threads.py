"""The duplicate check reads the embedded endpoint in-process, so it gets its answer while every
web thread of `ivr serve` is busy.

A real `ivr serve` (gunicorn, `IVR_WEB_THREADS=2`) on a SQLite store. Someone files an open
pothole report over HTTP; two open data event streams then hold both web threads (a health
check no longer gets an answer); a caller's duplicate search for a pothole nearby is queued,
as the dialog queues it. The server's own job thread must find the report: over HTTP to the
server itself it would wait for a thread until the city timeout and report ``failed``, and the
caller would never hear of the open report.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from ivr.dialog.actions import Job
from ivr.dialog.follow_up import DUPLICATES_JOB
from ivr.jobs.queue import add_jobs
from ivr.store.db import make_engine, make_sessionmaker
from ivr.store.job_tables import JobRecord
from tests.support.serve_process import free_port, running_serve

WASHINGTON_438 = (42.3483280, -71.1574380, "438 Washington Street, Boston, MA 02135")
NEARBY = (42.3484000, -71.1575000)  # about 10 m away


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The base URL of a running `ivr serve` with two web threads, and its store's URL."""
    workdir = tmp_path_factory.mktemp("busy")
    port = free_port()
    store = f"sqlite:///{workdir / 'voice311.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        IVR_PORT=str(port),
        IVR_DATABASE_URL=store,
        IVR_WEB_THREADS="2",
        IVR_RECOGNIZER="twilio",  # nothing to decode here; the jobs run in the web process
        IVR_DUPLICATE_RADIUS_METRES="200",
        IVR_FEED_MAX_STREAMS="4",
        IVR_OPEN311_TIMEOUT="3",
        IVR_OUTBOX_LEASE="30",
    )
    with running_serve(workdir, port, env) as base:
        yield base, store


def _hold_a_thread(base: str, stop: threading.Event, opened: threading.Semaphore) -> None:
    """An open data subscriber: keeps its event stream (and so a web thread) until ``stop``."""
    try:
        with httpx.stream("GET", f"{base}/open311/v2/requests/events", timeout=60) as response:
            opened.release()
            for _ in response.iter_bytes():
                if stop.is_set():
                    return
    except httpx.TransportError:  # the server was stopped at the end of the test
        return


def test_duplicate_search_answers_while_every_web_thread_is_busy(served: tuple[str, str]) -> None:
    base, store = served
    lat, lon, address = WASHINGTON_438
    filed = httpx.post(
        f"{base}/open311/v2/requests.json",
        data={
            "service_code": "21",
            "lat": str(lat),
            "long": str(lon),
            "address_string": address,
            "description": "a deep pothole",
            "attribute[defect_type]": "pothole",
            "attribute[width_feet]": "2",
        },
        timeout=10,
    )
    assert filed.status_code == 200, filed.text
    open_id = filed.json()[0]["service_request_id"]

    stop, opened = threading.Event(), threading.Semaphore(0)
    holders = [
        threading.Thread(target=_hold_a_thread, args=(base, stop, opened), daemon=True)
        for _ in range(2)
    ]
    for holder in holders:
        holder.start()
    engine = make_engine(store)
    try:
        assert opened.acquire(timeout=10) and opened.acquire(timeout=10)
        with pytest.raises(httpx.TimeoutException):  # no web thread is free to answer
            httpx.get(f"{base}/healthz", timeout=1.5)

        sessions = make_sessionmaker(engine)
        query = {"service_code": "21", "lat": NEARBY[0], "lon": NEARBY[1], "language": "en"}
        with sessions() as session, session.begin():
            add_jobs(
                session.connection(),
                [Job(name=DUPLICATES_JOB, key="busy-threads-duplicates", step=1, data=query)],
                call_sid=None,
                now=datetime.now(UTC),
            )
        result = _job_result(sessions, "busy-threads-duplicates", within=30)
        assert result["text"] == "found", json.dumps(result)
        assert result["slots"]["duplicate_of"] == open_id
        assert result["slots"]["duplicate_address"] == "438 Washington Street"
    finally:
        stop.set()
        engine.dispose()


def _job_result(sessions: object, key: str, *, within: float) -> dict[str, object]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with sessions() as session:  # type: ignore[operator]
            row = session.scalar(select(JobRecord).where(JobRecord.key == key))
            if row is not None and row.status in ("done", "failed"):
                return dict(row.result or {})
        time.sleep(0.2)
    pytest.fail(f"the job did not finish within {within} s")
