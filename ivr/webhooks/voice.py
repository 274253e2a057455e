"""The Twilio voice webhooks, mounted at ``/twilio/voice``.

| URL | Twilio's role |
|---|---|
| ``POST /twilio/voice`` | the phone number's *A call comes in* URL |
| ``POST /twilio/voice/step/<n>/<event>`` | every Gather, Record, Dial and Redirect of step ``n`` |
| ``POST /twilio/voice/step/<n>/recording_status`` | a Record's recording status callback |
| ``POST /twilio/voice/filing/<poll>`` | a caller waiting for the reference number |
| ``POST /twilio/voice/status`` | the number's *Call status changes* URL |

Each view checks the signature (before it runs), turns the form into an event, steps the call
through :class:`~ivr.webhooks.calls.CallDesk`, and renders the actions as TwiML.

A caller waiting on a job (a recording being transcribed) would hear "one moment", a second's
pause and a redirect. Instead, the webhook first holds its answer for up to
``IVR_TRANSCRIPT_HOLD`` seconds, looking at the call's row every 50 ms; when the job reports in
that time, it answers as the redirect would have (the read-back, at once). A completed
recording's status callback wakes the job threads, so a transcription waiting to retry a
recording that was not stored yet runs at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, request

from ivr.dialog.actions import Action, Hangup, Redirect
from ivr.dialog.context import DialogContext, TransferTarget
from ivr.dialog.events import Event
from ivr.dialog.flow_library import INTAKE, FlowLibrary, intake_from_services, load_flow_library
from ivr.settings import Settings
from ivr.webhooks import filing
from ivr.webhooks import twilio_form as form
from ivr.webhooks.calls import CallDesk
from ivr.webhooks.security import SignatureCheck, install_signature_check
from ivr.webhooks.twiml import render

log = logging.getLogger(__name__)

PREFIX = "/twilio/voice"
OUTBOX_EXTENSION = "voice311.outbox"
JOBS_EXTENSION = "voice311.jobs"
DESK_EXTENSION = "voice311.desk"
HOLD_POLL_SECONDS = 0.05  # how often a holding webhook looks at the call's row


def make_voice_blueprint(
    settings: Settings,
    desk: CallDesk,
    library: FlowLibrary,
    *,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> Blueprint:
    bp = Blueprint("voice", __name__)
    install_signature_check(bp, SignatureCheck.from_settings(settings))
    catalogues = library.catalogues

    urls = step_urls(settings)

    def twiml(actions: tuple[Action, ...]) -> Response:
        return Response(render(actions, catalogues=catalogues, urls=urls), mimetype="text/xml")

    def answer(sid: str, event: Event, caller: str | None = None, *, hold: bool = True) -> Response:
        result = desk.advance(sid, event, caller=caller)
        if not result.known:
            return twiml((Hangup(),))
        if result.queued:
            wake_jobs()
        waiting = _waiting_redirect(result.actions)
        if hold and waiting is not None and held_until_ready(sid):
            # The transcript came in while this webhook held: answer as the redirect would.
            return answer(sid, Event.redirect(step=waiting.step, at=clock()), hold=False)
        if result.filed:
            worker = current_app.extensions.get(OUTBOX_EXTENSION)
            if worker is not None:
                worker.wake()
            if result.actions and isinstance(result.actions[-1], Hangup):
                return twiml(filing.waiting(result.language, 1))
        return twiml(result.actions)

    def wake_jobs() -> None:
        runner = current_app.extensions.get(JOBS_EXTENSION)
        if runner is not None:
            runner.wake()

    def held_until_ready(sid: str) -> bool:
        """Hold for up to ``IVR_TRANSCRIPT_HOLD`` seconds while the call awaits a job."""
        deadline = monotonic() + settings.transcript_hold
        while monotonic() < deadline:
            sleep(HOLD_POLL_SECONDS)
            if not desk.awaiting(sid):
                return True
        return False

    @bp.route("", methods=["GET", "POST"])
    def incoming() -> Response:
        values = form.checked(request.values)
        return answer(form.call_sid(values), Event.start(at=clock()), values.get("From"))

    @bp.post("/step/<raw_step>/<kind>")
    def step(raw_step: str, kind: str) -> Response:
        values = form.checked(request.form)
        sid, number = form.call_sid(values), form.step_number(raw_step)
        if kind == "recording_status":
            status = values.get("RecordingStatus", "")[:40]
            url, duration = values.get("RecordingUrl", ""), values.get("RecordingDuration", "")
            desk.record_recording(sid, status, url, duration[:20])
            if status == "completed":
                wake_jobs()
            return Response(status=204)
        return answer(sid, form.step_event(kind, number, values, clock()))

    @bp.post("/filing/<raw_poll>")
    def filing_wait(raw_poll: str) -> Response:
        values = form.checked(request.form)
        sid, poll = form.call_sid(values), form.step_number(raw_poll)
        ending = desk.ending(sid)
        if ending is None:
            return twiml((Hangup(),))
        delivery = ending.delivery
        settled = delivery is not None and delivery.status in ("filed", "parked")
        if settled or poll >= settings.filing_wait:
            return twiml(filing.closing(ending.last_actions, ending.language, delivery))
        return twiml(filing.waiting(ending.language, poll + 1))

    @bp.post("/status")
    def status() -> Response:
        values = form.checked(request.form)
        sid = form.call_sid(values)
        if values.get("CallStatus", "") in form.FINAL_CALL_STATUSES:
            desk.advance(sid, Event.hangup(at=clock()))
        return Response(status=204)

    @bp.errorhandler(form.FormError)
    def bad_form(error: form.FormError) -> Response:
        log.info("webhook refused: bad form", extra={"reason": str(error)})
        return Response(f"bad request: {error}\n", status=400, mimetype="text/plain")

    return bp


def step_urls(settings: Settings) -> Callable[[str, int], str]:
    """The URLs of a step's verbs, for the call whose webhook is being answered."""

    def urls(event: str, step: int) -> str:
        base = settings.public_base_url.rstrip("/") or request.script_root
        if event == filing.FILING_EVENT:
            return f"{base}{PREFIX}/filing/{step}"
        if event == "whisper":  # a Dial's <Number url>: the whisper of this call
            return f"{base}{PREFIX}/whisper/{quote(request.values.get('CallSid', ''))}"
        return f"{base}{PREFIX}/step/{step}/{event}"

    return urls


def _waiting_redirect(actions: tuple[Action, ...]) -> Redirect | None:
    """The Redirect that keeps a caller company while a job runs ("one moment"), if any."""
    last = actions[-1] if actions else None
    return last if isinstance(last, Redirect) and last.event == "redirect" else None


def voice_desk(settings: Settings, rt: Any) -> tuple[CallDesk, FlowLibrary]:
    """The flow library, the address resolver (loaded once per process) and the call desk."""
    library = flow_library(settings)
    context = DialogContext(
        catalogues=library.catalogues,
        resolve_address=rt.gazetteer.resolve,
        transfers={
            "operator": TransferTarget(
                number=settings.operator_number, queue=settings.operator_queue
            )
        },
        texts=bool(settings.sms_from),
        duplicates=settings.duplicate_radius_metres > 0,
    )
    desk = CallDesk(
        rt.sessions,
        library.flow(settings.flow),
        context,
        city=settings.geocoder_city,
        region=settings.geocoder_region,
    )
    return desk, library


def flow_library(settings: Settings) -> FlowLibrary:
    """Every flow; with a city endpoint, the intake is generated from the city's own service
    list, fetched once here at start-up (a webhook never waits on the network). When the city
    cannot be reached, the configured services file stands in, and the log says so."""
    library = load_flow_library(settings)
    if not settings.open311_endpoint:
        return library
    from ivr.open311.catalogue import Catalogue as ServiceCatalogue
    from ivr.open311.client import Open311Client, make_http_client

    try:
        with make_http_client(settings) as http:
            client = Open311Client.from_settings(settings, http)
            services = client.services()
            definitions = tuple(client.definition(s.service_code) for s in services if s.metadata)
    except Exception:
        log.exception("the city's service list could not be fetched; using the services file")
        return library
    intake = intake_from_services(
        ServiceCatalogue(services=services, definitions=definitions),
        recognizer=settings.recognizer,
    )
    return FlowLibrary(flows={**library.flows, INTAKE: intake}, catalogues=library.catalogues)


def utc_now() -> datetime:
    return datetime.now(UTC)
