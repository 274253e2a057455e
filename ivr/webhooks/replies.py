"""What the voice and handoff webhooks answer with: TwiML of the dialog's actions, the URLs of a
step's verbs, and the 400 of a malformed form. Shared by both blueprints under ``/twilio/voice``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import quote

from flask import Response, request

from ivr.dialog.actions import Action
from ivr.runtime import current_runtime
from ivr.webhooks import filing
from ivr.webhooks import twilio_form as form
from ivr.webhooks.twiml import render_twiml

log = logging.getLogger(__name__)

PREFIX = "/twilio/voice"

StepUrls = Callable[[str, int], str]


def base_url() -> str:
    """The gateway's public base URL, or this request's script root when none is set."""
    return current_runtime().settings.public_base_url.rstrip("/") or request.script_root


def step_url(event: str, step: int) -> str:
    """The URL of a step's verb, for the call whose webhook is being answered."""
    base = base_url()
    if event == filing.FILING_EVENT:
        return f"{base}{PREFIX}/filing/{step}"
    if event == "queue_wait":  # an Enqueue's waitUrl: the same for every step and caller
        return f"{base}{PREFIX}/queue/wait"
    if event == "whisper":  # a Dial's <Number url>: the whisper of this call
        return f"{base}{PREFIX}/whisper/{quote(request.values.get('CallSid', ''))}"
    return f"{base}{PREFIX}/step/{step}/{event}"


def twiml(actions: tuple[Action, ...], urls: StepUrls = step_url) -> Response:
    """The actions as TwiML, in the words of the runtime's prompt catalogues. With the steps'
    own URLs, which depend on the base URL alone, a document every caller hears alike is
    rendered once (:class:`~ivr.webhooks.twiml.RenderedTwiml`)."""
    rt = current_runtime()
    if urls is step_url:
        body = rt.rendered_twiml.render(actions, urls, base_url())
    else:
        body = render_twiml(actions, catalogues=rt.flows.catalogues, urls=urls)
    return Response(body, mimetype="text/xml")


def xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def signature_refusal() -> Response | None:
    """A blueprint's ``before_request``: the 403 of a request Twilio did not sign, or None."""
    return current_runtime().signature_check.refusal(request)


def bad_form(error: form.FormError) -> Response:
    """A blueprint's handler of a malformed Twilio form: 400, and why, never a traceback."""
    log.info("webhook refused: bad form", extra={"reason": str(error)})
    return Response(f"bad request: {error}\n", status=400, mimetype="text/plain")
