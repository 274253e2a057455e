"""The job handlers of a running gateway, by job name.

Each kind of job registers here: the dialog engine names a job (``Job.name``), a worker looks
its handler up in this mapping. Handlers get their collaborators (an HTTP client, a recogniser,
the store) when the mapping is built, once per process.
"""

from __future__ import annotations

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
    return handlers


def _follow_up(settings: Settings, rt: Runtime) -> dict[str, Handler]:
    """Status by phone and the duplicate check ask the city (or the embedded endpoint)."""
    from flows.catalogue import load_catalogues
    from ivr.followup.handlers import follow_up_handlers
    from ivr.open311.client import Open311Client, make_http_client

    client = Open311Client.from_settings(settings, make_http_client(settings))
    return follow_up_handlers(settings, client, rt.sessions, load_catalogues())
