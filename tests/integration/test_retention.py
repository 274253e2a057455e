"""IVR_RETENTION_DAYS: what callers said, their recordings and their numbers are erased once
older than the limit, batch by batch, by the housekeeping loop; newer data stays, and a filed
report keeps every public field. On both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ivr.dialog.state import CallState, StepRecord
from ivr.housekeeping.retention import erase_expired
from ivr.outbox.queue import Report, enqueue
from ivr.runtime import Runtime
from ivr.settings import Settings
from ivr.store.call_tables import CallRecord, OutboxRecord, ReportRecord
from ivr.store.db import make_engine, make_sessionmaker
from ivr.store.handoff_tables import HandoffRecord
from ivr.store.job_tables import JobRecord
from ivr.store.request_tables import ServiceRequestRecord
from ivr.store.text_tables import TextRecord

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OLD, NEW = NOW - timedelta(days=40), NOW - timedelta(days=5)
ACCOUNT = "AC" + "0" * 32


def recording_url(sid: str) -> str:
    return f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE{sid:0>32}"


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def a_call_with_everything(sessions: sessionmaker[Session], sid: str, at: datetime) -> None:
    """A call of ``at`` as it leaves the store: its state, recording, report filed at the city,
    a transcription job, a text message still waiting, a handoff, the embedded request."""
    history = (StepRecord(1, "welcome", "start", "started", "ask_location", at.isoformat()),)
    state = CallState(
        call_sid=sid,
        flow="intake",
        current="thanks",
        language="en",
        step=9,
        slots={"description": "my neighbour at 555 0100 keeps dumping here"},
        attributes={"size": ("three feet",)},
        service_code="pothole",
        history=history,
        ended=True,
        end_reason="hung up at thanks",
    )
    with sessions() as session, session.begin():
        session.add(
            CallRecord(
                call_sid=sid,
                flow="intake",
                status="completed",
                step=9,
                state=state.to_dict(),
                caller_number="+16175550123",
                started_at=at,
                updated_at=at,
                ended_at=at,
                recordings=[{"status": "completed", "url": recording_url(sid), "duration": "9"}],
            )
        )
        session.flush()
        report = Report("pothole", {}, 42.35, -71.06, "1 Main Street", "a deep pothole", "en", sid)
        queued = enqueue(session.connection(), report, now=at)
        outbox = session.get(OutboxRecord, queued.outbox_id)
        assert outbox is not None
        outbox.status, outbox.service_request_id = "filed", f"req-{sid}"
        session.add(
            TextRecord(
                report_id=outbox.report_id,
                phone_number="+16175550123",
                language="en",
                status="waiting",
                attempts=0,
                next_attempt_at=at,
                created_at=at,
                updated_at=at,
            )
        )
        session.add(
            JobRecord(
                key=f"{sid}:transcribe",
                name="transcribe",
                call_sid=sid,
                data={"url": recording_url(sid)},
                status="done",
                next_attempt_at=at,
                result={"text": "my neighbour keeps dumping here"},
                created_at=at,
                updated_at=at,
            )
        )
        session.add(
            HandoffRecord(
                token=f"token-{sid}",
                kind="live",
                call_sid=sid,
                target_state="ask_location",
                prefill={"slots": {"name": "Ann Caller"}},
                return_at=[],
                agent="agnes",
                status="used",
                created_at=at,
                expires_at=at + timedelta(minutes=30),
            )
        )
        session.add(
            ServiceRequestRecord(
                service_request_id=f"req-{sid}",
                service_type="realtime",
                service_code="pothole",
                description="a deep pothole",
                address_string="1 Main Street",
                lat=42.35,
                long=-71.06,
                attributes={},
                extra_attributes={"uprn": ["100023336956"]},
                email="ann@example.org",
                phone="+16175550123",
                first_name="Ann",
                last_name="Caller",
                requested_datetime=at,
                updated_datetime=at,
            )
        )


def call_of(session: Session, sid: str) -> CallRecord:
    found = session.get(CallRecord, sid)
    assert found is not None
    return found


def test_data_older_than_the_limit_is_erased_and_newer_data_kept(
    sessions: sessionmaker[Session],
) -> None:
    a_call_with_everything(sessions, "CAold", OLD)
    a_call_with_everything(sessions, "CAnew", NEW)
    asked_to_delete: list[str] = []

    def twilio_deletes(url: str) -> bool:
        asked_to_delete.append(url)
        return True

    erased = erase_expired(sessions, days=30, clock=lambda: NOW, recordings=twilio_deletes)

    assert asked_to_delete == [recording_url("CAold")]
    assert (erased.calls, erased.jobs, erased.texts, erased.handoffs, erased.requests) == (
        1,
        1,
        1,
        1,
        1,
    )
    with sessions() as session:
        old, new = call_of(session, "CAold"), call_of(session, "CAnew")
        assert (old.caller_number, old.recordings) == (None, None)
        assert old.personal_data_erased_at is not None
        old_state = CallState.from_dict(old.state)
        assert (old_state.slots, old_state.attributes, old_state.location) == ({}, {}, None)
        assert old_state.last_actions == ()
        # Staff still see how the call went: its timeline, service and end.
        assert [r.state for r in old_state.history] == ["welcome"]
        assert (old_state.service_code, old_state.end_reason) == ("pothole", "hung up at thanks")

        assert new.caller_number == "+16175550123" and new.recordings
        assert CallState.from_dict(new.state).slots
        assert new.personal_data_erased_at is None

        jobs = session.scalars(select(JobRecord.call_sid)).all()
        assert jobs == ["CAnew"]
        texts = {
            t.report_id: (t.phone_number, t.status) for t in session.scalars(select(TextRecord))
        }
        reports = {r.call_sid: r.id for r in session.scalars(select(ReportRecord))}
        assert texts[reports["CAold"]] == (None, "failed")
        assert texts[reports["CAnew"]] == ("+16175550123", "waiting")
        assert session.scalars(select(HandoffRecord.call_sid)).all() == ["CAnew"]

        # The filed report and the city's request keep every public field.
        for sid in ("CAold", "CAnew"):
            report = session.scalars(select(ReportRecord).where(ReportRecord.call_sid == sid)).one()
            assert (report.service_code, report.lat, report.long) == ("pothole", 42.35, -71.06)
            assert (report.address_string, report.description) == (
                "1 Main Street",
                "a deep pothole",
            )
            outbox = session.scalars(
                select(OutboxRecord).where(OutboxRecord.report_id == report.id)
            ).one()
            assert (outbox.status, outbox.service_request_id) == ("filed", f"req-{sid}")
        requests = {r.service_request_id: r for r in session.scalars(select(ServiceRequestRecord))}
        old_request, new_request = requests["req-CAold"], requests["req-CAnew"]
        assert (old_request.email, old_request.phone, old_request.first_name) == ("", "", "")
        assert (old_request.last_name, old_request.extra_attributes) == ("", {})
        assert (old_request.description, old_request.address_string) == (
            "a deep pothole",
            "1 Main Street",
        )
        assert (old_request.lat, old_request.status, old_request.service_code) == (
            42.35,
            "open",
            "pothole",
        )
        assert (new_request.email, new_request.phone) == ("ann@example.org", "+16175550123")
        assert new_request.extra_attributes == {"uprn": ["100023336956"]}

    again = erase_expired(sessions, days=30, clock=lambda: NOW, recordings=twilio_deletes)
    assert again.total == 0 and len(asked_to_delete) == 1


def test_the_housekeeping_loop_erases_in_batches_only_when_a_limit_is_set(
    migrated_url: str, sessions: sessionmaker[Session]
) -> None:
    for n in range(3):
        a_call_with_everything(sessions, f"CAold{n}", OLD + timedelta(minutes=n))

    kept_forever = Runtime(
        Settings(database_url=migrated_url, recognizer="twilio"), clock=lambda: NOW
    )
    limited = Runtime(
        Settings(database_url=migrated_url, recognizer="twilio", retention_days=30),
        clock=lambda: NOW,
    )
    try:
        (idle,) = [loop for loop in kept_forever.work.loops if loop.name == "housekeeping"]
        assert idle.run_once() == 0
        with sessions() as session:
            assert call_of(session, "CAold0").caller_number == "+16175550123"

        (loop,) = [loop for loop in limited.work.loops if loop.name == "housekeeping"]
        assert loop.run_once() > 0
    finally:
        kept_forever.engine.dispose()
        limited.engine.dispose()
    with sessions() as session:
        for n in range(3):
            erased = call_of(session, f"CAold{n}")
            assert erased.caller_number is None and erased.recordings is None


def test_a_batch_erases_at_most_its_size_oldest_first(sessions: sessionmaker[Session]) -> None:
    for n in range(3):
        a_call_with_everything(sessions, f"CAbatch{n}", OLD + timedelta(minutes=n))

    first = erase_expired(sessions, days=30, clock=lambda: NOW, recordings=lambda _: True, most=2)

    assert first.calls == 2
    with sessions() as session:
        assert call_of(session, "CAbatch0").personal_data_erased_at is not None
        assert call_of(session, "CAbatch2").personal_data_erased_at is None
    second = erase_expired(sessions, days=30, clock=lambda: NOW, recordings=lambda _: True, most=2)
    assert second.calls == 1
