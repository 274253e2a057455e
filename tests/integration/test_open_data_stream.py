"""The event stream generator on a real SQLite store, its clock and sleep in the test's hands:
changes wait to settle, heartbeats fill silences, the stream ends after its lifetime, and a
lasting backlog is read in batches in order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from ivr.open311.catalogue import load_service_catalogue
from ivr.open311.models import NewRequest
from ivr.open311.request_store import file_request
from ivr.opendata.changes import Cursor
from ivr.opendata.event_stream import BATCH, StreamTiming, event_stream
from ivr.settings import Settings
from ivr.store.db import make_engine, make_sessionmaker, transaction

START = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
TIMING = StreamTiming(poll=1.0, settle=2.0, heartbeat=5.0, lifetime=12.0)


class Clock:
    """Time that moves only when the stream sleeps."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def file_at(sessions: sessionmaker[Session], when: datetime) -> str:
    service = load_service_catalogue(Settings().services_path).services[0]
    with transaction(sessions) as session:
        filed = file_request(session, service, NewRequest(service.service_code), now=when)
    return filed.service_request_id


def chunks(stream: Iterator[bytes]) -> list[str]:
    return [chunk.decode() for chunk in stream]


def test_heartbeats_settling_and_the_end_of_a_stream(sqlite_url: str) -> None:
    sessions = make_sessionmaker(make_engine(sqlite_url))
    clock = Clock()
    early = file_at(sessions, START - timedelta(seconds=10))
    unsettled = file_at(sessions, START + timedelta(seconds=1))  # settles at START + 3 s
    stream = event_stream(
        sessions,
        Cursor.at(START - timedelta(minutes=1)),
        timing=TIMING,
        clock=clock,
        sleep=clock.sleep,
    )
    sent = [(chunk.decode(), clock.now - START) for chunk in stream]
    texts = [chunk for chunk, _ in sent]
    assert texts[0].startswith("retry: 3000\n")
    events = [(chunk, at) for chunk, at in sent if chunk.startswith("id:")]
    assert [
        f'"service_request_id": "{early}"' in events[0][0],
        f'"service_request_id": "{unsettled}"' in events[1][0],
    ] == [True, True]
    assert events[0][1] == timedelta(0)
    assert events[1][1] == timedelta(seconds=3)  # only once it had settled
    heartbeats = [at for chunk, at in sent if chunk == ": keep-alive\n\n"]
    assert heartbeats == [timedelta(seconds=8)]  # 5 s after the last event
    assert clock.now - START == timedelta(seconds=12)  # then the stream ended by itself


def test_a_backlog_is_read_in_order_across_batches(sqlite_url: str) -> None:
    sessions = make_sessionmaker(make_engine(sqlite_url))
    clock = Clock()
    when = START - timedelta(hours=1)
    filed = [file_at(sessions, when + timedelta(seconds=i // 3)) for i in range(BATCH + 20)]
    timing = StreamTiming(poll=1.0, settle=2.0, heartbeat=60.0, lifetime=1.0)
    stream = event_stream(
        sessions,
        Cursor.at(when - timedelta(seconds=1)),
        timing=timing,
        clock=clock,
        sleep=clock.sleep,
    )
    ids = [
        line.split('"service_request_id": "')[1].split('"')[0]
        for chunk in chunks(stream)
        if chunk.startswith("id:")
        for line in chunk.splitlines()
        if line.startswith("data:")
    ]
    assert ids == filed
