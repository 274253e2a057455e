"""A caller waiting in an ``<Enqueue>``'s queue, as Twilio documents it.

Twilio requests the ``waitUrl`` when the caller enters the queue and again each time its TwiML
has finished, with ``QueueSid``, ``QueuePosition``, ``QueueTime`` (whole seconds in the queue so
far), ``AvgQueueTime``, ``CurrentQueueSize`` and ``MaxQueueSize``, and plays it to the caller:
``<Say>``, ``<Play>`` and ``<Pause>`` are heard; ``<Leave>`` takes the caller out of the queue
(the ``<Enqueue>`` action then gets ``QueueResult=leave``); ``<Hangup>`` ends the call;
``<Redirect>`` fetches its URL for the rest of the wait. Without a waitUrl the caller hears
Twilio's hold music.

The script's ``queue`` step says when the wait ends on its own: once the caller has waited
``wait`` seconds of the call's clock, they are taken (``bridged``), hang up, or the queue fails
as the step says. A wait of 0 ends at once, before the waitUrl is requested (an agent was
free). The wait's TwiML is cut there: a ``<Pause>`` at that second, another verb at its end.
A ``<Play>`` of audio counts as :data:`AUDIO_SECONDS` (the simulator does not fetch it).
At most :data:`MAX_WAIT_FETCHES` requests of the waitUrl are made in one wait; then the
simulator ends the call (a waitUrl whose TwiML takes no time would be requested without end).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urljoin

from ivr.simulator.script import QueueOutcome
from ivr.simulator.transcript import TranscriptWriter
from ivr.simulator.twiml_reader import Enqueue, Hangup, Leave, Pause, Play, Redirect, Say
from ivr.simulator.webhook import ApplicationError, Webhooks

AUDIO_SECONDS = 30  # how long a <Play> of audio in a waitUrl is taken to last
MAX_WAIT_FETCHES = 200  # waitUrl requests in one wait, at most


class WaitingCall(Protocol):
    writer: TranscriptWriter
    webhooks: Webhooks
    seconds: float

    def call_params(self, status: str = "") -> dict[str, str]: ...

    def prompt(self, verb: Say | Play | Pause) -> None: ...

    def spend(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class QueueWait:
    """How a wait in a queue ended: ``result`` is the ``QueueResult`` (the script's, or
    ``leave``), ``seconds`` the time spent in the queue; ``ended`` (who, why) when the call
    itself ended there (a ``<Hangup>`` in the waitUrl, or too many waitUrl requests)."""

    result: str
    seconds: float
    ended: tuple[str, str] | None = None

    @property
    def queue_time(self) -> str:
        return str(math.floor(self.seconds))


def wait_in_queue(
    call: WaitingCall, verb: Enqueue, document_url: str, queue_sid: str, until: QueueOutcome
) -> QueueWait:
    """The caller waits in ``verb``'s queue until ``until`` happens or the waitUrl ends it."""
    start = call.seconds

    def waited() -> float:
        return call.seconds - start

    if until.wait <= 0:
        return QueueWait(until.result, 0.0)
    if not verb.wait_url:
        call.writer.heard("(hold music)")
        call.spend(until.wait)
        return QueueWait(until.result, waited())
    wait_url = urljoin(document_url, verb.wait_url)
    url, method = wait_url, verb.wait_url_method
    fetches = 0
    while waited() < until.wait:
        if fetches >= MAX_WAIT_FETCHES:
            text = (
                f"The simulator ended the call after {fetches} waitUrl requests "
                "(a waitUrl that takes no time?)"
            )
            return QueueWait(until.result, waited(), ("step-limit", text))
        fetches += 1
        params = {
            **call.call_params(),
            "QueueSid": queue_sid,
            "QueuePosition": "1",
            "QueueTime": str(math.floor(waited())),
            "AvgQueueTime": "0",
            "CurrentQueueSize": "1",
            "MaxQueueSize": "100",
        }
        try:
            document = call.webhooks.fetch_twiml("wait-url", url, method, params)
        except ApplicationError as error:
            call.writer.note(f"waitUrl failed: {error.code} {error.message}; silence until then")
            call.spend(until.wait - waited())
            break
        fetched, url, method = url, wait_url, verb.wait_url_method  # then the waitUrl again
        for wait_verb in document.verbs:
            left = until.wait - waited()
            if left <= 0:
                break
            if isinstance(wait_verb, Pause):
                call.prompt(Pause(length=min(wait_verb.length, math.ceil(left))))
            elif isinstance(wait_verb, Play) and not wait_verb.digits:
                call.prompt(wait_verb)
                call.spend(min(AUDIO_SECONDS * max(1, wait_verb.loop), left))
            elif isinstance(wait_verb, Say | Play):
                call.prompt(wait_verb)
            elif isinstance(wait_verb, Leave):
                return QueueWait("leave", waited())
            elif isinstance(wait_verb, Hangup):
                ended = ("gateway", "Call ended by the gateway (<Hangup> in the waitUrl)")
                return QueueWait("hangup", waited(), ended)
            elif isinstance(wait_verb, Redirect):
                url, method = urljoin(fetched, wait_verb.url), wait_verb.method
                break
            else:
                call.writer.note(f"<{type(wait_verb).__name__}> in a waitUrl is not simulated")
    return QueueWait(until.result, waited())


def queue_params(wait: QueueWait, queue_sid: str) -> Mapping[str, str]:
    """What the ``<Enqueue>`` action is requested with."""
    return {"QueueResult": wait.result, "QueueSid": queue_sid, "QueueTime": wait.queue_time}
