"""Twilio's form posts → dialog events, validated at the border.

Twilio sends many parameters with every webhook (``AccountSid``, ``From``, ``CallStatus``,
places, tokens…); all are accepted and only those an event needs are read. A value that cannot
be what Twilio sends (no ``CallSid``, digits that are not keys, a confidence that is not a
number, anything absurdly long) raises :class:`FormError`, which names the field; the webhook
answers it with 400 and a short plain body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from werkzeug.datastructures import MultiDict

from ivr.dialog.events import Event

MAX_VALUE = 4096  # longer than any parameter Twilio sends (a long speech result included)
MAX_FIELDS = 200
_SID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_STEP = re.compile(r"[0-9]{1,6}")  # ASCII digits only: "１" is no step Twilio was given
_DIGITS = re.compile(r"[0-9*#]{0,64}")
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
STEP_EVENTS = frozenset({"gather", "no_input", "recording", "dial", "redirect"})


class FormError(ValueError):
    """A webhook's form or URL cannot come from Twilio; the message names the field."""


def checked(form: Mapping[str, str]) -> Mapping[str, str]:
    """The form, once every value is of a sane length: each value of a repeated parameter
    too (Flask's forms are multi-dicts, whose ``items()`` gives only the first of each)."""
    pairs = list(form.items(multi=True) if isinstance(form, MultiDict) else form.items())
    if len(pairs) > MAX_FIELDS:
        raise FormError("too many parameters")
    for name, value in pairs:
        if len(name) > 100 or len(value) > MAX_VALUE:
            raise FormError(f"{name[:40]}: too long")
    return form


def call_sid(form: Mapping[str, str]) -> str:
    value = form.get("CallSid", "")
    if not value:
        raise FormError("CallSid: missing")
    if not _SID.fullmatch(value):
        raise FormError("CallSid: not a call SID")
    return value


def step_number(raw: str) -> int:
    if not _STEP.fullmatch(raw):
        raise FormError("step: not a number")
    return int(raw)


def queue_time(form: Mapping[str, str]) -> int:
    """``QueueTime``: the whole seconds a caller has waited in a queue (a waitUrl's request)."""
    raw = form.get("QueueTime", "")
    if not _STEP.fullmatch(raw):
        raise FormError("QueueTime: not a whole number of seconds")
    return int(raw)


def step_event(kind: str, step: int, form: Mapping[str, str], at: datetime) -> Event:
    """The event a step URL's post carries (``kind`` from the URL)."""
    if kind not in STEP_EVENTS:
        raise FormError(f"event: unknown event {kind[:40]!r}")
    if kind == "gather":
        return _gathered(step, form, at)
    if kind == "recording":
        return _recorded(step, form, at)
    if kind == "dial":
        status = form.get("DialCallStatus") or form.get("QueueResult") or ""
        if not status or len(status) > 40:
            raise FormError("DialCallStatus: missing")
        return Event.dial_result(status, step=step, at=at)
    if kind == "redirect":
        return Event.redirect(step=step, at=at)
    return Event.no_input(step=step, at=at)


def _gathered(step: int, form: Mapping[str, str], at: datetime) -> Event:
    digits = form.get("Digits", "")
    if not _DIGITS.fullmatch(digits):
        raise FormError("Digits: not telephone keys")
    if digits:
        return Event.keypress(digits, step=step, at=at)
    speech = form.get("SpeechResult", "").strip()
    if speech:
        return Event.speech(speech, _confidence(form), step=step, at=at)
    return Event.no_input(step=step, at=at)


def _recorded(step: int, form: Mapping[str, str], at: datetime) -> Event:
    digits = form.get("Digits", "")
    if digits != "hangup" and not _DIGITS.fullmatch(digits):
        raise FormError("Digits: not telephone keys")
    url = form.get("RecordingUrl", "")
    if not url:
        return Event.no_input(step=step, at=at)
    if not url.startswith(("https://", "http://")):
        raise FormError("RecordingUrl: not an http(s) URL")
    return Event.recording(url, _number(form, "RecordingDuration"), step=step, at=at)


def _confidence(form: Mapping[str, str]) -> float | None:
    value = _number(form, "Confidence")
    if value is not None and not 0.0 <= value <= 1.0:
        raise FormError("Confidence: not between 0 and 1")
    return value


def _number(form: Mapping[str, str], name: str) -> float | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise FormError(f"{name}: not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise FormError(f"{name}: not a number")
    return value
