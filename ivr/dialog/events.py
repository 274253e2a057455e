"""What happened on a call, as the dialog engine hears it.

The webhooks turn Twilio's form posts into events; workers turn finished jobs into events.
``step`` is the step the event answers (the one carried in the URL of the Gather, Record, Dial
or Redirect that produced it): an event for a step already answered is a retry, and the engine
replays its earlier answer instead of moving the call twice. ``at`` is when it happened, given
by the caller of the engine (the engine never reads a clock).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    START = "start"  # the call arrived
    KEYPRESS = "keypress"  # digits from a Gather
    SPEECH = "speech"  # words from a Gather, with the recogniser's confidence
    NO_INPUT = "no_input"  # a Gather or Record ended in silence
    RECORDING = "recording"  # a Record finished: its URL and length
    REDIRECT = "redirect"  # come back for the current state (a waiting caller, a repeat)
    DIAL_RESULT = "dial_result"  # a Dial or Enqueue ended: its status
    JOB_RESULT = "job_result"  # a job reported back (not a step of the caller's)
    HANGUP = "hangup"  # the caller hung up
    RESUME = "resume"  # staff hand the caller back into the flow at a named state


@dataclass(frozen=True)
class Event:
    kind: EventKind
    step: int | None = None
    digits: str = field(default="", repr=False)  # a house number or a postal code
    text: str = field(default="", repr=False)  # what the caller said
    confidence: float | None = None
    recording_url: str = field(default="", repr=False)
    duration: float | None = None
    status: str = ""
    job: str = ""  # the key of the job that reports back
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)
    target: str = ""
    at: datetime | None = None

    @classmethod
    def start(cls, *, at: datetime | None = None) -> Event:
        return cls(EventKind.START, step=0, at=at)

    @classmethod
    def keypress(cls, digits: str, *, step: int, at: datetime | None = None) -> Event:
        return cls(EventKind.KEYPRESS, step=step, digits=digits, at=at)

    @classmethod
    def speech(
        cls, text: str, confidence: float | None = None, *, step: int, at: datetime | None = None
    ) -> Event:
        return cls(EventKind.SPEECH, step=step, text=text, confidence=confidence, at=at)

    @classmethod
    def no_input(cls, *, step: int, at: datetime | None = None) -> Event:
        return cls(EventKind.NO_INPUT, step=step, at=at)

    @classmethod
    def recording(
        cls, url: str, duration: float | None = None, *, step: int, at: datetime | None = None
    ) -> Event:
        return cls(EventKind.RECORDING, step=step, recording_url=url, duration=duration, at=at)

    @classmethod
    def redirect(cls, *, step: int, at: datetime | None = None) -> Event:
        return cls(EventKind.REDIRECT, step=step, at=at)

    @classmethod
    def dial_result(cls, status: str, *, step: int, at: datetime | None = None) -> Event:
        return cls(EventKind.DIAL_RESULT, step=step, status=status, at=at)

    @classmethod
    def job_result(cls, key: str, data: Mapping[str, Any], *, at: datetime | None = None) -> Event:
        return cls(EventKind.JOB_RESULT, job=key, data=dict(data), at=at)

    @classmethod
    def hangup(cls, *, at: datetime | None = None) -> Event:
        return cls(EventKind.HANGUP, at=at)

    @classmethod
    def resume(
        cls, target: str, data: Mapping[str, Any] | None = None, *, at: datetime | None = None
    ) -> Event:
        """Staff send the caller to ``target``; ``data`` is the handoff (see
        ``ivr.dialog.staff_resume``): what the agent filled in and where the part ends."""
        return cls(EventKind.RESUME, target=target, data=dict(data or {}), at=at)
