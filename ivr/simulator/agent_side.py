"""The staff side of a simulated call: the person who answers a ``<Dial>``, and the agent who
takes a caller from a queue. What they hear (a whisper) goes into the transcript as
``agent heard`` lines.

- ``<Dial><Number url>``: once the number answers, Twilio requests ``url`` on the called
  party's leg (its own CallSid, ``ParentCallSid`` the caller's) and plays the TwiML to the
  called party only, before connecting the two.
- A queue: an agent's phone requests the agents' TwiML (``agent_url``), hears its ``<Say>``
  and runs ``<Dial><Queue url>``. Twilio requests the Queue ``url`` on the dequeued caller's
  leg (``CallSid`` the caller's, ``QueueSid``, ``QueueTime``, ``DequeingCallSid`` the agent's)
  and plays it to the caller before bridging; only Play, Say, Pause and Redirect are allowed.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urljoin

from ivr.simulator.sids import new_sid
from ivr.simulator.transcript import LineKind, TranscriptWriter
from ivr.simulator.twiml_reader import Dial, DialTarget, Document, Pause, Play, Say
from ivr.simulator.webhook import ApplicationError, Webhooks


class CallLeg(Protocol):
    writer: TranscriptWriter
    webhooks: Webhooks
    call_sid: str

    def call_params(self, status: str = "") -> dict[str, str]: ...

    def prompt(self, verb: Say | Play | Pause) -> None: ...


def person_answers(call: CallLeg, target: DialTarget, document_url: str) -> None:
    """The dialled number answered: run its ``<Number url>`` (the whisper) on their leg."""
    if target.kind != "number" or not target.url:
        return
    params = {
        **call.call_params(),
        "CallSid": new_sid("CA"),
        "ParentCallSid": call.call_sid,
        "Direction": "outbound-dial",
        "To": target.value,
        "Called": target.value,
    }
    document = _fetch(call, "number-url", urljoin(document_url, target.url), target.method, params)
    if document is not None:
        _agent_hears(call, document)


def agent_takes(
    call: CallLeg, agent_url: str, agent_number: str, queue: str, queue_sid: str, wait: int
) -> None:
    """An agent's phone takes the next caller from ``queue`` through the agents' TwiML."""
    agent_sid = new_sid("CA")
    params = {
        **call.call_params(),
        "CallSid": agent_sid,
        "From": agent_number,
        "Caller": agent_number,
        "Direction": "inbound",
    }
    document = _fetch(call, "agent", agent_url, "POST", params)
    if document is None:
        return
    _agent_hears(call, document)
    nouns = [t for v in document.verbs if isinstance(v, Dial) for t in v.targets]
    taking = next((t for t in nouns if t.kind == "queue" and t.value == queue), None)
    if taking is None:
        call.writer.note(f"the agents' TwiML does not take callers from queue {queue}")
        return
    if not taking.url:
        return
    caller_params = {
        **call.call_params(),
        "QueueSid": queue_sid,
        "QueueTime": str(wait),
        "DequeingCallSid": agent_sid,
    }
    url = urljoin(agent_url, taking.url)
    dequeued = _fetch(call, "queue-url", url, taking.method, caller_params)
    for verb in dequeued.verbs if dequeued is not None else ():
        if isinstance(verb, Say | Play | Pause):
            call.prompt(verb)
        else:
            call.writer.note(f"<{type(verb).__name__}> in a <Queue url> is not simulated")


def _agent_hears(call: CallLeg, document: Document) -> None:
    for verb in document.verbs:
        if isinstance(verb, Say):
            call.writer.add(LineKind.AGENT_HEARD, verb.text)
        elif isinstance(verb, Play):
            call.writer.add(LineKind.AGENT_HEARD, f"(audio {verb.url or verb.digits})")


def _fetch(
    call: CallLeg, purpose: str, url: str, method: str, params: dict[str, str]
) -> Document | None:
    try:
        return call.webhooks.fetch_twiml(purpose, url, method, params)
    except ApplicationError as error:
        call.writer.note(f"{purpose} failed: {error.code} {error.message}")
        return None
