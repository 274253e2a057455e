"""The rounds of the runtime's ``housekeeping`` loop, built from the settings.

- the stale-call sweep, every :data:`SWEEP_SECONDS` (a call is stale after 5 minutes at the
  least, so a minute's delay in noticing is nothing);
- with ``IVR_RETENTION_DAYS`` set, the retention sweep, every :data:`RETENTION_SECONDS` (data
  expires by the day), batch after batch while it finds some.

Recordings kept by Twilio are deleted through its REST API when the gateway has a Twilio
account (``IVR_TWILIO_ACCOUNT_SID`` and ``IVR_TWILIO_AUTH_TOKEN``); without one they are
counted as still kept, and the log line says so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from ivr.housekeeping.pacing import Paced
from ivr.housekeeping.retention import RecordingEraser, erase_expired
from ivr.housekeeping.stale_calls import CallEnder, end_stale_calls
from ivr.housekeeping.twilio_recordings import TwilioRecordingEraser, twilio_recording
from ivr.leases import Round
from ivr.settings import Settings

SWEEP_SECONDS = 60.0
RETENTION_SECONDS = 3600.0


def housekeeping_rounds(
    settings: Settings,
    sessions: sessionmaker[Session],
    desk: CallEnder,
    *,
    clock: Callable[[], datetime],
    twilio: Callable[[], Any],
) -> list[Round]:
    """The rounds, each paced; ``twilio`` makes the REST client (called only when needed)."""
    silence = timedelta(minutes=settings.stale_call_minutes)
    rounds: list[Round] = [
        Paced(
            lambda: end_stale_calls(sessions, desk, silence=silence, clock=clock).ended,
            SWEEP_SECONDS,
        )
    ]
    if settings.retention_days > 0:
        eraser = recording_eraser(settings, twilio)
        days = settings.retention_days
        rounds.append(
            Paced(
                lambda: erase_expired(sessions, days=days, clock=clock, recordings=eraser).total,
                RETENTION_SECONDS,
            )
        )
    return rounds


def recording_eraser(settings: Settings, twilio: Callable[[], Any]) -> RecordingEraser:
    """Twilio's REST API with an account; without one, only URLs kept elsewhere are done."""
    if settings.twilio_account_sid and settings.twilio_auth_token:
        return TwilioRecordingEraser(twilio)
    return lambda url: twilio_recording(url) is None
