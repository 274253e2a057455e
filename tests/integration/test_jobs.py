"""Jobs a call step hands off are stored with the step, run by a worker, and their results
reach the call; a job that cannot be done reports a failure instead of leaving the caller
waiting. On both databases."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from flows.loader import flow_from_document
from ivr.dialog.actions import WAITED_ON, Job
from ivr.dialog.context import DialogContext
from ivr.dialog.events import Event
from ivr.dialog.flow_library import load_flow_library
from ivr.dialog.state import CallState
from ivr.jobs.queue import DONE, FAILED, PENDING, JobRequest, add_jobs, jobs_of_call
from ivr.jobs.runner import JobKinds, RetryLater, any_job_due, claim_job, run_due_jobs
from ivr.leases import Backoff, LeasePolicy
from ivr.settings import Settings
from ivr.store.call_tables import CallRecord
from ivr.store.db import make_engine, make_sessionmaker
from ivr.webhooks.calls import CallDesk
from ivr.work_roles import RECOGNITION_JOBS
from tests.support.note_flow import note_flow

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
POLICY = LeasePolicy(Backoff(1, 4), lease_seconds=30, max_attempts=3)
FLOW = note_flow(attempts=1, transcribe=True)
# After the note the caller is asked for a second one, so the call is still on the line while
# the note's transcript is made (a job of an ended call is not retried).
FLOW["states"]["ask_note"]["transitions"]["done"] = "ask_more"
FLOW["states"]["ask_more"] = {
    "type": "record",
    "prompt": "description.ask",
    "store_as": "more",
    "attempts": 1,
    "after_last_attempt": "bye",
    "transitions": {"done": "bye"},
}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def desk(sessions: sessionmaker[Session]) -> CallDesk:
    library = load_flow_library(Settings())
    flow = flow_from_document(FLOW, "test")
    return CallDesk(sessions, flow, DialogContext(catalogues=library.catalogues), clock=Clock())


def _record(desk: CallDesk, sid: str) -> tuple[str, ...]:
    desk.advance(sid, Event.start(at=NOW))
    answer = desk.advance(sid, Event.recording("https://api.twilio.com/r/RE1", 4.0, step=1))
    return answer.queued


def _state(sessions: sessionmaker[Session], sid: str) -> CallState:
    with sessions() as session:
        row = session.get(CallRecord, sid)
        assert row is not None
        return CallState.from_dict(row.state)


def test_a_recorded_step_queues_one_job_and_its_transcript_fills_the_slot(
    sessions: sessionmaker[Session], desk: CallDesk
) -> None:
    assert _record(desk, "CA1") == ("transcribe",)  # what the step queued, by name
    assert _state(sessions, "CA1").pending  # the call waits on the job
    seen: list[Mapping[str, Any]] = []

    def transcribe(job: JobRequest) -> Mapping[str, Any]:
        seen.append(job.data)
        return {"text": "a fallen tree on the path", "slots": {"note_engine": "test"}}

    clock = Clock()
    ran = run_due_jobs(sessions, {"transcribe": transcribe}, desk.report_job, clock=clock)
    assert ran == 1
    assert seen[0]["recording_url"] == "https://api.twilio.com/r/RE1"
    state = _state(sessions, "CA1")
    assert state.slots["note"] == "a fallen tree on the path"
    assert state.slots["note_engine"] == "test"
    assert not state.pending
    with sessions() as session:
        assert [job.status for job in jobs_of_call(session, "CA1")] == [DONE]
    # nothing is left to run, and a repeat of the recording step queues nothing new
    assert run_due_jobs(sessions, {"transcribe": transcribe}, desk.report_job, clock=clock) == 0
    again = desk.advance("CA1", Event.recording("https://api.twilio.com/r/RE1", 4.0, step=1))
    assert again.queued == ()


def test_a_job_that_cannot_be_done_yet_is_retried_then_reports_a_failure(
    sessions: sessionmaker[Session], desk: CallDesk
) -> None:
    _record(desk, "CA2")
    clock = Clock()
    tries: list[int] = []

    def not_there_yet(job: JobRequest) -> Mapping[str, Any]:
        tries.append(job.attempts)
        raise RetryLater("recording not stored yet")

    handlers = {"transcribe": not_there_yet}
    for _ in range(3):  # POLICY's attempts
        run_due_jobs(sessions, handlers, desk.report_job, clock=clock, policy=POLICY)
        with sessions() as session:
            status = jobs_of_call(session, "CA2")[0].status
        if status != PENDING:
            break
        assert claim_job(sessions, now=clock(), policy=POLICY) is None  # not due yet
        clock.now += timedelta(seconds=POLICY.backoff.cap_seconds)
    assert tries == [1, 2, 3]
    with sessions() as session:
        job = jobs_of_call(session, "CA2")[0]
        assert job.status == FAILED and job.last_error == "recording not stored yet"
    state = _state(sessions, "CA2")
    assert not state.pending and state.slots["note"] == ""  # the flow takes its fallback


def test_a_job_of_a_call_that_has_ended_is_not_retried(
    sessions: sessionmaker[Session], desk: CallDesk
) -> None:
    """A caller who hung up while their recording was not yet stored: nothing can hear its
    transcript any more, so the recording is not fetched again and again until the last try."""
    _record(desk, "CA9")
    desk.advance("CA9", Event.hangup(at=NOW))
    tries: list[int] = []

    def not_there_yet(job: JobRequest) -> Mapping[str, Any]:
        tries.append(job.attempts)
        raise RetryLater("recording not stored yet")

    run_due_jobs(sessions, {"transcribe": not_there_yet}, desk.report_job, policy=POLICY)
    assert tries == [1]
    with sessions() as session:
        job = jobs_of_call(session, "CA9")[0]
        assert job.status == FAILED
        assert job.last_error == "recording not stored yet (the call has ended)"


def test_a_handler_that_breaks_fails_the_job_without_losing_the_call(
    sessions: sessionmaker[Session], desk: CallDesk
) -> None:
    _record(desk, "CA3")

    def broken(job: JobRequest) -> Mapping[str, Any]:
        raise ValueError("corrupt audio")

    run_due_jobs(sessions, {"transcribe": broken}, desk.report_job, clock=Clock())
    with sessions() as session:
        job = jobs_of_call(session, "CA3")[0]
        assert (job.status, job.result) == (FAILED, {"failed": True, "reason": "error"})
    assert not _state(sessions, "CA3").pending


def test_a_job_held_by_a_dead_worker_is_claimed_again_after_its_lease(
    sessions: sessionmaker[Session], desk: CallDesk
) -> None:
    _record(desk, "CA4")
    clock = Clock()
    first = claim_job(sessions, now=clock(), policy=POLICY)
    assert first is not None and first.attempts == 1
    assert claim_job(sessions, now=clock(), policy=POLICY) is None  # leased
    later = clock() + timedelta(seconds=POLICY.lease_seconds + 1)
    second = claim_job(sessions, now=later, policy=POLICY)
    assert second is not None and second.key == first.key and second.attempts == 2


def test_a_web_process_leaves_recordings_to_the_recognition_workers(
    sessions: sessionmaker[Session], desk: CallDesk
) -> None:
    """The web process's job threads take the quick jobs only; a recognition worker takes the
    recording, and its transcript reaches the call all the same."""
    _record(desk, "CA5")
    clock = Clock()
    with sessions() as session, session.begin():
        add_jobs(
            session.connection(),
            [Job(name="find_duplicates", key="CA5-duplicates", step=2, data={})],
            call_sid=None,
            now=NOW,
        )
    web = JobKinds(besides=RECOGNITION_JOBS)
    handlers = {
        "transcribe": lambda job: {"text": "a fallen tree on the path"},
        "find_duplicates": lambda job: {"text": "none"},
    }
    assert run_due_jobs(sessions, handlers, desk.report_job, clock=clock, kinds=web) == 1
    assert _state(sessions, "CA5").pending  # the recording is still waiting for a worker
    recognition = JobKinds(only=RECOGNITION_JOBS)
    assert run_due_jobs(sessions, handlers, desk.report_job, clock=clock, kinds=recognition) == 1
    assert _state(sessions, "CA5").slots["note"] == "a fallen tree on the path"
    with sessions() as session:
        assert [job.status for job in jobs_of_call(session, "CA5")] == [DONE]


def test_a_place_to_read_back_is_transcribed_before_an_earlier_description(
    sessions: sessionmaker[Session],
) -> None:
    """A caller waiting for the read-back of their address goes before a description queued
    earlier, whose transcript is needed only when the report is filed."""
    with sessions() as session, session.begin():
        add_jobs(
            session.connection(),
            [Job(name="transcribe", key="CA6-description", step=3, data={})],
            call_sid=None,
            now=NOW,
        )
        add_jobs(
            session.connection(),
            [Job(name="transcribe", key="CA7-address", step=2, data={}, priority=WAITED_ON)],
            call_sid=None,
            now=NOW + timedelta(seconds=5),
        )
    later = NOW + timedelta(seconds=6)
    first = claim_job(sessions, now=later)
    second = claim_job(sessions, now=later)
    assert first is not None and second is not None
    assert (first.key, second.key) == ("CA7-address", "CA6-description")


def test_a_look_for_due_jobs_sees_what_the_claim_would_take(
    sessions: sessionmaker[Session], desk: CallDesk
) -> None:
    """``any_job_due``, the loops' look before a claim, says yes exactly when a claim by
    the same loop would take a job: by kind, not yet due, leased, lease run out, finished."""
    _record(desk, "CA6")  # a recording to transcribe, due now
    web, recognition = JobKinds(besides=RECOGNITION_JOBS), JobKinds(only=RECOGNITION_JOBS)
    assert not any_job_due(sessions, now=NOW, kinds=web)  # the web loop takes no recording
    assert claim_job(sessions, now=NOW, policy=POLICY, kinds=web) is None
    assert not any_job_due(sessions, now=NOW - timedelta(seconds=1), kinds=recognition)
    assert any_job_due(sessions, now=NOW, kinds=recognition)
    taken = claim_job(sessions, now=NOW, policy=POLICY, kinds=recognition)
    assert taken is not None
    assert not any_job_due(sessions, now=NOW, kinds=recognition)  # leased
    expired = NOW + timedelta(seconds=POLICY.lease_seconds + 1)
    assert any_job_due(sessions, now=expired, kinds=recognition)  # its worker died
    handlers = {"transcribe": lambda job: {"text": "a fallen tree on the path"}}
    assert run_due_jobs(sessions, handlers, desk.report_job, clock=lambda: expired) == 1
    assert not any_job_due(sessions, now=expired + timedelta(days=1))  # done


def test_a_result_the_call_did_not_take_is_not_lost(
    sessions: sessionmaker[Session], desk: CallDesk
) -> None:
    """The result goes to the call before the job is marked done: when the call's store
    refuses it, the job stays leased and runs again once the lease runs out, and the second
    result of a job whose first did reach the call changes nothing."""
    _record(desk, "CA7")
    transcripts = iter(["a fallen tree on the path", "a second run's words"])
    handlers = {"transcribe": lambda job: {"text": next(transcripts)}}

    def refused(call_sid: str, event: Event) -> None:
        raise OSError("the store refused the write")

    with pytest.raises(OSError):
        run_due_jobs(sessions, handlers, refused, clock=Clock(), policy=POLICY)
    assert _state(sessions, "CA7").pending  # still waiting: the result did not reach it
    with sessions() as session:
        assert [job.status for job in jobs_of_call(session, "CA7")] != [DONE]
    expired = NOW + timedelta(seconds=POLICY.lease_seconds + 1)
    assert run_due_jobs(sessions, handlers, desk.report_job, clock=lambda: expired) == 1
    state = _state(sessions, "CA7")
    assert not state.pending and state.slots["note"] == "a second run's words"
    with sessions() as session:
        (job,) = jobs_of_call(session, "CA7")
    assert job.status == DONE
    desk.report_job("CA7", Event.job_result(job.key, {"text": "a third run's"}, at=expired))
    assert _state(sessions, "CA7").slots["note"] == "a second run's words"
