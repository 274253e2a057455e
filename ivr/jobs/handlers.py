"""The job handlers of a running gateway, by job name.

Each kind of job registers here: the dialog engine names a job (``Job.name``), a worker looks
its handler up in this mapping. Handlers get their collaborators (an HTTP client, a recogniser,
the store) when the mapping is built, once per process.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ivr.jobs.runner import Handler
from ivr.settings import Settings

if TYPE_CHECKING:
    from ivr.app import Runtime


def build_handlers(settings: Settings, rt: Runtime) -> dict[str, Handler]:
    """Every job handler this gateway can run, with its collaborators made once."""
    handlers: dict[str, Handler] = {}
    handlers.update(_follow_up(settings, rt))
    if settings.recognizer != "twilio":
        from ivr.recordings.transcription import transcriber_for

        handlers["transcribe"] = transcriber_for(settings, rt)
    else:
        from ivr.recordings.transcription import not_transcribed

        handlers["transcribe"] = not_transcribed
    return handlers


def warm_up_in_background(handlers: dict[str, Handler]) -> threading.Thread | None:
    """Ready the recogniser (model, the city's address grammar) on a thread of its own, so the
    first caller does not wait seconds for it; jobs that come sooner simply wait for the load."""
    from ivr.recordings.transcription import Transcriber

    transcriber = handlers.get("transcribe")
    if not isinstance(transcriber, Transcriber):
        return None
    thread = threading.Thread(target=transcriber.warm_up, name="voice311-warm-up", daemon=True)
    thread.start()
    return thread


def _follow_up(settings: Settings, rt: Runtime) -> dict[str, Handler]:
    """Status by phone and the duplicate check ask the city (or the embedded endpoint)."""
    from flows.catalogue import load_catalogues
    from ivr.followup.handlers import follow_up_handlers
    from ivr.open311.client import Open311Client, make_http_client

    client = Open311Client.from_settings(settings, make_http_client(settings))
    return follow_up_handlers(settings, client, rt.sessions, load_catalogues())
