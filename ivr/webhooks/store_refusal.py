"""What the webhooks answer when the store refuses them (a full disk, a read-only file or
database, PostgreSQL down): never a 500, which Twilio reads to the caller as "an application
error has occurred", and never a word that a report was received when it was not saved.

- A caller hears that the system could not save their report and is put through to a person
  (``IVR_OPERATOR_QUEUE``, else ``IVR_OPERATOR_NUMBER``, as the flow's transfers choose); with
  no person to be had, an honest goodbye that asks them to call again later. The transfer's
  outcome comes back to ``/twilio/voice/unsaved/<language>`` (:func:`after_transfer`), whose
  answer needs no store: a goodbye, or, when nobody answered, that nobody could take the call.
- A caller waiting for their reference number (the ``filing`` URL) has a report committed
  already (a caller is sent there only after the commit): they hear that it is on its way to
  the city, as when the city is slow.
- The person a call is put through to hears a whisper that says to take the report by hand;
  the agents' line still takes the next caller from the queue.
- A status or recording callback (nothing is played to anyone) is answered 503.

Nothing here writes to the store. The call's language is read from it when it can be; else,
and when the connection itself was lost, the flow's first language is spoken.
"""

from __future__ import annotations

import logging

from flask import Response, request
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ivr.dialog.actions import Action, Dial, Enqueue, Hangup, Say
from ivr.dialog.engine import DIAL_SUCCESS
from ivr.runtime import current_runtime
from ivr.webhooks import filing
from ivr.webhooks.replies import PREFIX, StepUrls, base_url, step_url, twiml, xml
from ivr.webhooks.twiml import render_take_next, render_whisper

log = logging.getLogger(__name__)

UNSAVED_TRANSFER = "report.unsaved_transfer"
UNSAVED_GOODBYE = "report.unsaved_goodbye"
TRANSFER_FAILED = "common.transfer_failed"
UNSAVED_PATH = "/unsaved"  # under /twilio/voice: where the transfer's outcome comes back
STAFF_WHISPER = (
    "A 311 caller. The 311 line could not save this call in its database: "
    "please take the report by hand."
)
CALLBACKS = frozenset({"voice.status"})


def store_refused(error: SQLAlchemyError) -> Response:
    """A webhook blueprint's handler of any store error (see the module's docstring)."""
    endpoint = request.endpoint or ""
    kind = (request.view_args or {}).get("kind", "")
    log.error(
        "a webhook could not use the store; answered without it",
        extra={"endpoint": endpoint, "error_type": _error_type(error), "reason": _reason(error)},
    )
    if endpoint in CALLBACKS or kind == "recording_status":
        response = Response("the store is unavailable\n", status=503, mimetype="text/plain")
        response.headers["Retry-After"] = "5"
        return response
    if endpoint == "handoff.whisper":
        return xml(render_whisper(STAFF_WHISPER))
    if endpoint == "handoff.dequeued":  # the caller's side as staff take them: nothing to say
        return xml(render_whisper(""))
    if endpoint == "handoff.agent":
        return _agent_line()
    language = _call_language(error)
    if endpoint == "voice.filing_wait":
        return twiml(filing.closing((), language, None))
    if kind == "dial":  # a person's call has ended (or nobody answered)
        return twiml(_after_person(language))
    return twiml(_to_a_person(language), _urls(language))


def after_transfer(language: str) -> Response:
    """``POST /twilio/voice/unsaved/<language>``: the outcome of a transfer made because the
    store refused the call."""
    return twiml(_after_person(_known_language(language)))


def _to_a_person(language: str) -> tuple[Action, ...]:
    settings = current_runtime().settings
    if settings.operator_queue:
        person: Action = Enqueue(step=0, queue=settings.operator_queue)
    elif settings.operator_number:
        person = Dial(step=0, number=settings.operator_number)
    else:
        return (Say(UNSAVED_GOODBYE, language=language), Hangup())
    return (Say(UNSAVED_TRANSFER, language=language), person)


def _after_person(language: str) -> tuple[Action, ...]:
    outcome = (request.form.get("DialCallStatus") or request.form.get("QueueResult") or "").lower()
    said = filing.GOODBYE if outcome in DIAL_SUCCESS else TRANSFER_FAILED
    return (Say(said, language=language), Hangup())


def _urls(language: str) -> StepUrls:
    def urls(event: str, step: int) -> str:
        if event == "dial":
            return f"{base_url()}{PREFIX}{UNSAVED_PATH}/{language}"
        return step_url(event, step)  # the whisper of this call

    return urls


def _agent_line() -> Response:
    queue = current_runtime().settings.operator_queue
    if not queue:
        return xml(render_whisper("No staff queue is set up on the 311 line. Goodbye."))
    return xml(render_take_next(STAFF_WHISPER, queue, f"{base_url()}{PREFIX}/dequeued"))


def _call_language(error: SQLAlchemyError) -> str:
    """The call's language if the store can still be read; the flow's first otherwise."""
    sid = request.values.get("CallSid", "")
    lost = isinstance(error, DBAPIError) and error.connection_invalidated
    if sid and not lost:
        try:
            state = current_runtime().desk.state(sid)
        except SQLAlchemyError:
            state = None
        if state is not None:
            return _known_language(state.language)
    return _known_language("")


def _known_language(language: str) -> str:
    rt = current_runtime()
    return language if language in rt.flows.catalogues else rt.desk.flow.languages[0]


def _error_type(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None)
    return type(original or error).__name__


def _reason(error: SQLAlchemyError) -> str:
    """The driver's first line ("attempt to write a readonly database"): never the statement
    or its parameters, which may hold a caller's number or words."""
    original = getattr(error, "orig", None)
    text = str(original) if original is not None else type(error).__name__
    return text.strip().splitlines()[0][:160] if text.strip() else ""
