"""A call that comes while the recognition workers of ``ivr serve`` are still loading their
models (finding 4 of issue 13: the first call after a start). The web process does not decode,
so the caller hears the normal flow; a recording's transcription is queued for the workers,
and while none answers, the caller is kept company and then offered the keypad, as when any
transcription fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from ivr.app import create_app
from ivr.jobs.queue import PENDING
from ivr.runtime import Runtime
from ivr.settings import Settings
from ivr.simulator import CallOptions, MediaServer, Press, Silence, SpeakAudio, place_call
from ivr.simulator.call import CallResult
from ivr.simulator.script import Step
from ivr.store.job_tables import JobRecord
from tests.calls.phone import AUTH_TOKEN, prepared_store
from tests.support.live_server import serve_wsgi
from tests.support.models_folder import models_folder
from tests.support.speech_audio import spoken_wav


@pytest.fixture
def web_process(tmp_path: Path) -> Iterator[tuple[str, Runtime, MediaServer]]:
    """A web process as ``ivr serve`` runs it beside recognition workers (``work_role``
    "web": it runs the quick jobs and the outbox, never a transcription), before any
    recognition worker is warm: none runs at all."""
    url = prepared_store(f"sqlite:///{tmp_path / 'voice311.db'}")
    with ExitStack() as stack:
        media = stack.enter_context(MediaServer(auth_token=AUTH_TOKEN))
        settings = Settings(
            database_url=url,
            twilio_auth_token=AUTH_TOKEN,
            recognizer="whisper",
            recording_hosts=media.base_url.removeprefix("http://"),
            duplicate_radius_metres=0,
            models_dir=models_folder(),
            transcript_hold=0.2,
        )
        rt = Runtime(settings, work_role="web")
        app = create_app(runtime=rt)
        base_url = stack.enter_context(serve_wsgi(app))
        stack.callback(rt.engine.dispose)
        rt.work.start(interval=0.2)
        stack.callback(rt.work.stop)
        yield base_url, rt, media


def call(base_url: str, media: MediaServer, script: list[Step]) -> CallResult:
    options = CallOptions(
        voice_url=f"{base_url}/twilio/voice",
        auth_token=AUTH_TOKEN,
        status_callback=f"{base_url}/twilio/voice/status",
        pause_pace=0.01,
    )
    with httpx.Client(timeout=15) as http:
        return place_call(http, options, script, media=media)


def test_a_caller_before_the_recognisers_are_warm_hears_the_flow_and_the_keypad(
    web_process: tuple[str, Runtime, MediaServer], tmp_path: Path
) -> None:
    base_url, rt, media = web_process
    address = tmp_path / "address.wav"
    address.write_bytes(spoken_wav("four thirty eight washington street", "flite:slt"))
    script: list[Step] = [
        Silence(),  # English
        Press("2"),  # street defects
        Press("1"),  # construction plate
        SpeakAudio(address),
    ]
    result = call(base_url, media, script)
    heard = result.transcript.heard()

    assert heard[0] == "Welcome to the 311 line. You can press a key or say your answer."
    assert "Where is the problem? Please say the street address, like 100 Main Street." in heard
    assert "One moment, please." in heard  # kept company while the recording waits
    assert heard[-1] == "Let's try again. Enter the house number, then press pound."
    with rt.sessions() as session:
        jobs = session.execute(
            select(JobRecord.name, JobRecord.status).where(JobRecord.call_sid == result.call_sid)
        ).all()
    assert ("transcribe", PENDING) in jobs  # queued for a recognition worker, not lost
