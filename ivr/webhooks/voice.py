"""The Twilio voice webhooks, mounted at ``/twilio/voice``.

| URL | Twilio's role |
|---|---|
| ``POST /twilio/voice`` | the phone number's *A call comes in* URL |
| ``POST /twilio/voice/step/<n>/<event>`` | every Gather, Record, Dial and Redirect of step ``n`` |
| ``POST /twilio/voice/step/<n>/recording_status`` | a Record's recording status callback |
| ``POST /twilio/voice/filing/<poll>`` | a caller waiting for the reference number |
| ``POST /twilio/voice/status`` | the number's *Call status changes* URL |
| ``POST /twilio/voice/unsaved/<language>`` | a transfer's end, when the store refused the call |

Each view checks the signature (before it runs), turns the form into an event, steps the call
through :class:`~ivr.webhooks.calls.CallDesk`, and renders the actions as TwiML.

A caller waiting on a job (a recording being transcribed) is held for up to
``IVR_TRANSCRIPT_HOLD`` seconds, within the process's hold slots (:mod:`ivr.webhooks.holding`);
when the job reports in that time, the webhook answers as the redirect would have (the
read-back, at once). A completed recording's status callback makes a transcription waiting to
retry a recording that was not stored yet due at once.

A webhook the store refuses (full disk, read-only, PostgreSQL down) is answered by
:mod:`ivr.webhooks.store_refusal`: the caller is put through to a person, never told "received".
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, request
from sqlalchemy.exc import SQLAlchemyError

from ivr.dialog.actions import Action, Hangup, Redirect
from ivr.dialog.events import Event
from ivr.runtime import current_runtime
from ivr.webhooks import filing, store_refusal
from ivr.webhooks import twilio_form as form
from ivr.webhooks.replies import PREFIX, bad_form, signature_refusal, twiml

__all__ = ["PREFIX", "answer", "bp"]

bp = Blueprint("voice", __name__)
bp.before_request(signature_refusal)
bp.register_error_handler(form.FormError, bad_form)
bp.register_error_handler(SQLAlchemyError, store_refusal.store_refused)


@bp.route("", methods=["GET", "POST"])
def incoming() -> Response:
    values = form.checked(request.values)
    now = current_runtime().clock()
    return answer(form.call_sid(values), Event.start(at=now), values.get("From"))


@bp.post("/step/<raw_step>/<kind>")
def step_webhook(raw_step: str, kind: str) -> Response:
    rt = current_runtime()
    values = form.checked(request.form)
    sid, number = form.call_sid(values), form.step_number(raw_step)
    if kind == "recording_status":
        status = values.get("RecordingStatus", "")[:40]
        url, duration = values.get("RecordingUrl", ""), values.get("RecordingDuration", "")
        rt.desk.record_recording(sid, status, url, duration[:20])
        response = Response(status=204)
        if status == "completed":  # a transcription waiting to retry is due now
            wake_once_sent(response, "jobs", ("transcribe",))
        return response
    return answer(sid, form.step_event(kind, number, values, rt.clock()))


@bp.post("/filing/<raw_poll>")
def filing_wait(raw_poll: str) -> Response:
    rt = current_runtime()
    values = form.checked(request.form)
    sid, poll = form.call_sid(values), form.step_number(raw_poll)
    ending = rt.desk.ending(sid)
    if ending is None:
        return twiml((Hangup(),))
    delivery = ending.delivery
    if delivery is None:
        # No report of this call: Twilio is sent here only by the step that filed one, so this
        # is a forged or misdirected request. Never "received": the call's last words again.
        return twiml(ending.last_actions or (Hangup(),))
    if delivery.settled or poll >= rt.settings.filing_wait:
        told = filing.expectations_said(rt, delivery, ending.language)
        return twiml(filing.closing(ending.last_actions, ending.language, delivery, told))
    return twiml(filing.waiting(ending.language, poll + 1))


@bp.post("/unsaved/<language>")
def unsaved_transfer_ended(language: str) -> Response:
    """A transfer made because the store refused the call has ended (``store_refusal``)."""
    return store_refusal.after_transfer(language[:8])


@bp.post("/status")
def status() -> Response:
    rt = current_runtime()
    values = form.checked(request.form)
    sid = form.call_sid(values)
    if values.get("CallStatus", "") in form.FINAL_CALL_STATUSES:
        rt.desk.advance(sid, Event.hangup(at=rt.clock()))
    return Response(status=204)


def answer(sid: str, event: Event, caller: str | None = None, *, hold: bool = True) -> Response:
    """Step the call and answer with its actions (every voice webhook, and a handoff resuming
    a call). A caller about to wait on a job is held first (see the module's docstring); a
    caller whose report was just enqueued waits for its reference number."""
    rt = current_runtime()
    result = rt.desk.advance(sid, event, caller=caller)
    if not result.known:
        return twiml((Hangup(),))
    waiting = _waiting_redirect(result.actions)
    if hold and waiting is not None:
        rt.wake_work("jobs", result.queued)  # now: this webhook may hold for the result
        began = time.perf_counter()
        if _held_until_ready(sid):
            # The result came in while this webhook held: answer as the redirect would.
            response = answer(sid, Event.redirect(step=waiting.step, at=rt.clock()), hold=False)
        else:
            response = twiml(result.actions)
        response.headers["Server-Timing"] = _hold_timing(
            result.awaiting, time.perf_counter() - began
        )
        return response
    if result.filed and result.actions and isinstance(result.actions[-1], Hangup):
        response = twiml(filing.waiting(result.language, 1))
    else:
        response = twiml(result.actions)
    if result.filed:
        wake_once_sent(response, "outbox")
    if result.queued:
        wake_once_sent(response, "jobs", result.queued)
    return response


def wake_once_sent(response: Response, loop: str, jobs: tuple[str, ...] = ()) -> None:
    """Wake a loop of this process when ``response`` has been sent, not before: the thread
    woken takes the GIL for a few milliseconds of Python, which would otherwise be spent
    while this caller still waits for their answer."""
    rt = current_runtime()
    response.call_on_close(lambda: rt.wake_work(loop, jobs))


def _held_until_ready(sid: str) -> bool:
    """Hold while the call awaits a job, if a hold slot is free (see the module's docstring)."""
    return current_runtime().hold_slots.hold(sid)


def _hold_timing(awaited: tuple[str, ...], seconds: float) -> str:
    """The hold, as a ``Server-Timing`` entry (for operators' tools and the storm benchmark):
    how long this webhook held, and whether for a transcript or for another job."""
    what = "transcript" if any(name == "transcribe" for name in awaited) else "job"
    return f'hold;desc="{what}";dur={seconds * 1000:.1f}'


def _waiting_redirect(actions: tuple[Action, ...]) -> Redirect | None:
    """The Redirect that keeps a caller company while a job runs ("one moment"), if any."""
    last = actions[-1] if actions else None
    return last if isinstance(last, Redirect) and last.event == "redirect" else None
