"""The webhooks of handoffs, mounted beside the voice webhooks at ``/twilio/voice``.

| URL | Twilio's role |
|---|---|
| ``POST /twilio/voice/handoff/<token>`` | a live call redirected by staff (REST call update) |
| ``POST /twilio/voice/handoff`` | the handoff number's *A call comes in* URL: key a code |
| ``POST /twilio/voice/handoff/code/<n>`` | the code keyed at attempt ``n`` |
| ``POST /twilio/voice/whisper/<call_sid>`` | a Dial's ``<Number url>``: the person who answers |
| ``POST /twilio/voice/agent`` | the agents' number (or phones): take the next caller queued |
| ``POST /twilio/voice/dequeued`` | the ``<Queue url>``: run on the caller's side when taken |
| ``POST /twilio/voice/queue/wait`` | the ``<Enqueue waitUrl>``: a caller waiting in the queue |

Every view checks the signature, like every webhook of the gateway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ivr.dialog.actions import Gather, Hangup, Redirect, Say
from ivr.dialog.events import Event
from ivr.dialog.staff import TO_STAFF, WITH_STAFF
from ivr.dialog.state import CallState
from ivr.handoff import queue_wait as queue_rounds
from ivr.handoff.whisper import whisper_text
from ivr.runtime import current_runtime
from ivr.store.call_tables import CallRecord
from ivr.webhooks import twilio_form as form
from ivr.webhooks.call_rows import IN_PROGRESS
from ivr.webhooks.replies import PREFIX, bad_form, base_url, signature_refusal, twiml, xml
from ivr.webhooks.store_refusal import store_refused
from ivr.webhooks.twiml import render_queue_wait, render_take_next, render_whisper
from ivr.webhooks.voice import answer

log = logging.getLogger(__name__)

CODE_ATTEMPTS = 3

bp = Blueprint("handoff", __name__)
bp.before_request(signature_refusal)
bp.register_error_handler(form.FormError, bad_form)
bp.register_error_handler(SQLAlchemyError, store_refused)  # no 500 to Twilio, no lost caller


@bp.post("/handoff/<token>")
def live(token: str) -> Response:
    rt = current_runtime()
    values = form.checked(request.form)
    sid = form.call_sid(values)
    handoff = rt.handoff_book.take_live(token[:64], sid, rt.clock())
    if handoff is None:
        # Not this call's, used, or expired: the caller goes on where they were.
        log.info("a live handoff was refused: unknown, used or expired")
        state = rt.desk.state(sid)
        if state is None:
            return twiml((Hangup(),))
        return answer(sid, Event.redirect(step=state.step, at=rt.clock()))
    return answer(sid, Event.resume(handoff.target, handoff.resume_data(), at=rt.clock()))


@bp.route("/handoff", methods=["GET", "POST"])
def handoff_line() -> Response:
    form.call_sid(form.checked(request.values))
    return _ask_code(1)


@bp.post("/handoff/code/<raw_attempt>")
def handoff_code(raw_attempt: str) -> Response:
    rt = current_runtime()
    values = form.checked(request.form)
    sid, attempt = form.call_sid(values), form.step_number(raw_attempt)
    digits = values.get("Digits", "")
    problem = "unknown"
    if len(digits) == 6 and digits.isascii() and digits.isdigit():
        taken = rt.handoff_book.take_code(digits, sid, rt.clock())
        if taken.handoff is not None:
            event = Event.resume(taken.handoff.target, taken.handoff.resume_data(), at=rt.clock())
            return answer(sid, event, values.get("From"))
        problem = taken.problem
    elif not digits:
        problem = "none"
    log.info("a handoff code was refused", extra={"reason": problem})
    apology = {
        "expired": "handoff.expired_code",
        "none": "common.no_input",
    }.get(problem, "handoff.unknown_code")
    if attempt >= CODE_ATTEMPTS:
        return twiml((*_said(apology, "handoff.no_code_goodbye"), Hangup()))
    return _ask_code(attempt + 1, apology)


@bp.post("/whisper/<caller_sid>")
def whisper(caller_sid: str) -> Response:
    rt = current_runtime()
    values = form.checked(request.form)
    person = form.call_sid(values)
    sid = form.call_sid({"CallSid": caller_sid})
    rt.desk.amend(sid, _taken_by(person, rt.clock()))
    return xml(render_whisper(whisper_text(rt.desk.state(sid))))


@bp.route("/agent", methods=["GET", "POST"])
def agent() -> Response:
    rt = current_runtime()
    form.call_sid(form.checked(request.values))
    queue = rt.settings.operator_queue
    if not queue:
        return xml(render_whisper("No staff queue is set up on the 311 line. Goodbye."))
    head = _head_of_queue(rt.sessions, queue)
    text = whisper_text(head) if head is not None else ""
    return xml(render_take_next(text, queue, f"{base_url()}{PREFIX}/dequeued"))


@bp.post("/dequeued")
def dequeued() -> Response:
    rt = current_runtime()
    values = form.checked(request.form)
    sid = form.call_sid(values)
    person = values.get("DequeingCallSid", "")[:64]
    rt.desk.amend(sid, _taken_by(person, rt.clock()))
    return xml(render_whisper(""))


@bp.post("/queue/wait")
def queue_wait() -> Response:
    """What a caller waiting in the queue hears next (:mod:`ivr.handoff.queue_wait`), in their
    language; a call the store cannot tell about hears the flow's first language."""
    rt = current_runtime()
    values = form.checked(request.form)
    sid, waited = form.call_sid(values), form.queue_time(values)
    try:
        state = rt.desk.state(sid)
    except SQLAlchemyError:  # the caller waits on; the store is not needed for it
        log.warning("a queued call's language could not be read: the first language is spoken")
        state = None
    catalogues = rt.flows.catalogues
    language = state.language if state is not None else ""
    if language not in catalogues:
        language = rt.desk.flow.languages[0]
    prompt_text = catalogues[language].text(queue_rounds.PROMPT, {})
    limit = rt.settings.operator_wait_seconds
    turn = queue_rounds.next_round(waited, limit, language, prompt_text)
    if turn.leave:
        log.info("a caller waited the longest wait in the queue", extra={"queue_time": waited})
    return xml(render_queue_wait(turn.prompts, leave=turn.leave, catalogues=catalogues))


def _said(*keys: str) -> tuple[Say, ...]:
    """``keys`` said in each language of the flow, the first first: no caller has chosen one
    yet on the handoff line, and the agent who gave the code may have spoken any of them."""
    languages = current_runtime().desk.flow.languages
    return tuple(Say(key, language=language) for language in languages for key in keys)


def _code_url(_event: str, attempt: int) -> str:
    return f"{base_url()}{PREFIX}/handoff/code/{attempt}"


def _ask_code(attempt: int, apology: str = "") -> Response:
    keys = (apology, "handoff.enter_code") if apology else ("handoff.enter_code",)
    gather = Gather(step=attempt, input=("dtmf",), num_digits=6, timeout=8, prompts=_said(*keys))
    return twiml((gather, Redirect(step=attempt, event="no_input")), _code_url)


def _taken_by(person: str, at: datetime) -> Callable[[CallState], CallState]:
    """The call's state once a person has taken it. Only a call on its way to staff is taken:
    a whisper or dequeue URL for a call that has ended, or that no person was asked for (a late
    retry, or forged with a good signature), changes nothing."""

    def change(state: CallState) -> CallState:
        link = state.staff
        if state.ended or link is None or link.status != TO_STAFF:
            return state
        taken = replace(link, status=WITH_STAFF, since=at.isoformat(), agent_call=person)
        return replace(state, staff=taken)

    return change


def _head_of_queue(sessions: sessionmaker[Session], queue: str) -> CallState | None:
    """The call waiting longest in ``queue``, as far as the gateway knows (Twilio's queue is
    first in, first out, and a caller enters it when the gateway answers with <Enqueue>)."""
    with sessions() as session:
        rows = session.scalars(
            select(CallRecord.state).where(CallRecord.status == IN_PROGRESS)
        ).all()
    waiting = [CallState.from_dict(raw) for raw in rows]
    waiting = [
        s
        for s in waiting
        if s.staff is not None and s.staff.status == TO_STAFF and s.staff.via == queue
        and not s.ended
    ]  # fmt: skip
    return min(waiting, key=lambda s: s.staff.since if s.staff else "", default=None)
