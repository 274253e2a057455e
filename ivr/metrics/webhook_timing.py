"""Each Twilio webhook's latency, observed by the kind of step it answers.

The time runs from the moment the app sees the request (before the signature check) until its
answer is ready, as Twilio waits for it. The label names the kind of step, from a fixed set
(the route, and for a step URL its event), never anything from the request itself: a forged
URL counts as ``other``.

| step | webhooks |
|---|---|
| ``answer`` | ``POST /twilio/voice`` (a call comes in) |
| ``gather``, ``no_input``, ``record``, ``dial``, ``redirect`` | a step's Gather, its silence, a Record, a Dial's end, a "one moment" redirect |
| ``recording_status`` | a recording's status callback |
| ``filing`` | a caller waiting for the reference number |
| ``status`` | the call's status callback |
| ``handoff`` | the staff handoff line, codes, the agent's and the queue's webhooks |
"""  # noqa: E501

from __future__ import annotations

import time

from flask import Flask, Response, g, request

from ivr.metrics.instruments import observe_webhook

STEP_KINDS = {
    "gather": "gather",
    "no_input": "no_input",
    "recording": "record",
    "dial": "dial",
    "redirect": "redirect",
    "recording_status": "recording_status",
}
ROUTES = {
    "voice.incoming": "answer",
    "voice.filing_wait": "filing",
    "voice.status": "status",
}
STEPS = (*sorted(set(STEP_KINDS.values())), "answer", "filing", "status", "handoff", "other")


def step_of(endpoint: str | None, kind: str) -> str | None:
    """The kind of step a request to ``endpoint`` answers (``kind``: a step URL's event);
    None for a request that is not a Twilio voice webhook."""
    if not endpoint:
        return None
    if endpoint == "voice.step_webhook":
        return STEP_KINDS.get(kind, "other")
    if endpoint in ROUTES:
        return ROUTES[endpoint]
    if endpoint.startswith("handoff."):
        return "handoff"
    return None


def init_app(app: Flask) -> None:
    """Time every voice and handoff webhook of ``app``."""
    app.before_request(_start)
    app.after_request(_observe)


def _start() -> None:
    g.voice311_webhook_began = time.perf_counter()


def _observe(response: Response) -> Response:
    began = g.pop("voice311_webhook_began", None)
    kind = str((request.view_args or {}).get("kind", ""))
    step = step_of(request.endpoint, kind)
    if began is not None and step is not None:
        observe_webhook(step, time.perf_counter() - began)
    return response
