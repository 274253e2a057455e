"""The storm's calls: who calls (``plan``), how each caller answers (``StormCaller``), one call
placed with every webhook timed (``place_storm_call``), and the same call's webhooks replayed
against the bare app at the same moments (``replay_call``).

A caller reports one of the evaluation's problems (``eval_callers.PROBLEMS``) at a real
address of the city. An audio caller says the place (with a lead-in for half of them) and the
description in a synthetic voice through the telephone channel, recognised by the gateway;
the others answer the place on the keypad (a key at "say the street address" twice: the
house number keyed, a key at "say just the street name" twice, the street's first letters,
their street from the menu) and leave no description. Every caller answers menus, questions
and confirmations by a key or, for half of them, by Twilio-style speech ("yes", the option's
words), and confirms the read-back whatever it says: the storm measures load, not accuracy.
"""

from __future__ import annotations

import contextlib
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from benchmarks.eval_callers import (
    LEAD_INS,
    MENU_OPTION,
    PROBLEMS,
    READ_BACK,
    Address,
    Condition,
    EvalCaller,
    Voice,
)
from benchmarks.speech_calls_eval import ASKS, Timer
from ivr.addresses.streets import speakable_street
from ivr.simulator import (
    CallOptions,
    LineKind,
    MediaServer,
    Press,
    Respond,
    Speak,
    Turn,
    place_call,
)
from ivr.simulator.script import Action

WEBHOOK_LIMIT = 15.0  # seconds Twilio waits for a webhook before it drops the call
ANSWER_DELAY = (1.0, 3.0)  # seconds a caller takes before pressing or speaking
VOICES = ("flite:rms", "flite:slt", "flite:awb", "espeak:en-us")
CLEAN = Condition("clean")


@dataclass(frozen=True)
class PlannedCall:
    index: int
    address: Address
    problem: int  # index into PROBLEMS
    voice: str  # the synthetic voice of an audio caller; "" for a keypad caller
    lead_in: str
    speaks_menus: bool  # answers menus and questions with Twilio speech results
    start: float  # seconds after the storm begins
    seed: int


def plan(addresses: list[Address], audio_share: float, ramp: float, seed: int) -> list[PlannedCall]:
    """One call per address; which callers speak, and when each call starts, drawn with
    ``seed`` (the same storm for the same options)."""
    calls = []
    for index, address in enumerate(addresses):
        rng = random.Random(f"{seed}/storm/{index}")
        audio = rng.random() < audio_share
        lead_in = rng.choice(LEAD_INS) if audio and rng.random() < 0.5 else ""
        calls.append(
            PlannedCall(
                index=index,
                address=address,
                problem=rng.randrange(len(PROBLEMS)),
                voice=VOICES[index % len(VOICES)] if audio else "",
                lead_in=lead_in,
                speaks_menus=rng.random() < 0.5,
                start=rng.uniform(0, ramp),
                seed=rng.randrange(1 << 30),
            )
        )
    return calls


def synthesise(calls: list[PlannedCall], folder: Path) -> None:
    """Say every audio caller's words now (cached by content in ``folder``), so that no voice
    is synthesised on the client's cores during the storm."""
    for call in calls:
        if call.voice:
            caller = StormCaller(call, folder)
            assert caller.voice is not None
            problem = PROBLEMS[call.problem]
            first = f"{caller.lead_in} {call.address.spoken}".strip()
            for words in (first, call.address.spoken, problem.description):
                caller.voice.say(words)
            caller.voice.say(speakable_street(call.address.street))


class StormCaller(EvalCaller):
    """The evaluation's caller, made to go through whatever it hears: it confirms every
    read-back, keys the place when it has no voice, and may answer by Twilio speech."""

    def __init__(self, call: PlannedCall, audio_folder: Path) -> None:
        voice = Voice(call.voice or "flite:rms", CLEAN, audio_folder)
        super().__init__(call.address, PROBLEMS[call.problem], voice, call.lead_in, call.seed)
        self.voice = voice if call.voice else None  # type: ignore[assignment]
        self._speaks_menus = call.speaks_menus
        self._listens_for_speech = False

    def __call__(self, turn: Turn) -> Action | None:
        self._listens_for_speech = turn.speech
        return super().__call__(turn)

    def _answer(self, text: str) -> Action | None:
        if found := READ_BACK.search(text):
            self._first("read-back")
            self.notes.read_backs.append((found.group(1), True))
            return self._by_voice("1", "yes")
        if self.voice is None and any(
            ask in text
            for ask in ("street address", "Where is the problem", "say just the street name")
        ):
            return Press("#")  # no words for <Record>: the keypad repair follows
        if self.voice is None and "tell us what you see" in text:
            return Press("#")  # no description: after two tries the report goes on
        action = super()._answer(text)
        if not isinstance(action, Press):
            return action
        if "Press 1 for yes, 2 for no" in text or "To send your report" in text:
            return self._by_voice(action.keys, {"1": "yes", "2": "no"}.get(action.keys, ""))
        option = dict((key, name) for name, key in MENU_OPTION.findall(text)).get(action.keys)
        return self._by_voice(action.keys, option or "")

    def _by_voice(self, keys: str, words: str) -> Action:
        if words and self._speaks_menus and self._listens_for_speech:
            return Speak(words)
        return Press(keys)


@dataclass(frozen=True)
class Webhook:
    """One request the simulated Twilio made: when, how long it took, how it ended."""

    gap: float  # seconds from the call's previous answer (or its start) to this request
    seconds: float
    status: int | None  # None: no answer (a connection error or Twilio's 15 s limit)
    transcript: bool  # a recording's action or a redirect after it, until the caller is asked,
    # or a webhook the gateway held for a transcript (its Server-Timing header says so)
    body: bytes  # the form sent, replayed to the bare app
    path: str  # the URL's path
    request_id: str = ""  # the app's X-Request-Id, which its access-log line carries


class WebhookClock(httpx.BaseTransport):
    """Times every request of one call, in order, through a shared transport."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner
        self._last = time.perf_counter()
        self._awaiting_transcript = False
        self.webhooks: list[Webhook] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        gap, body = started - self._last, request.read()
        callback = request.url.path.endswith(("/recording_status", "/status"))
        if request.url.path.endswith("/recording") and b"RecordingUrl=" in body:
            self._awaiting_transcript = True
        transcript = self._awaiting_transcript and not callback
        try:
            response = self._inner.handle_request(request)
            response.read()
        except httpx.HTTPError:
            self._keep(gap, started, None, transcript, request, "")
            raise
        # The gateway names what a held webhook waited for (``Server-Timing: hold;desc=…``):
        # the description's transcript awaited before filing counts as waiting for one.
        held_for = response.headers.get("Server-Timing", "")
        transcript = transcript or 'desc="transcript"' in held_for
        request_id = response.headers.get("X-Request-Id", "")
        self._keep(gap, started, response.status_code, transcript, request, request_id)
        if not callback and any(verb in response.content for verb in ASKS):
            self._awaiting_transcript = False
        return response

    def _keep(
        self,
        gap: float,
        started: float,
        status: int | None,
        transcript: bool,
        r: httpx.Request,
        request_id: str,
    ) -> None:
        self._last = time.perf_counter()
        seconds = self._last - started
        self.webhooks.append(
            Webhook(gap, seconds, status, transcript, r.content, r.url.path, request_id)
        )

    def close(self) -> None:
        """The shared transport stays open for the other calls."""


@dataclass(frozen=True)
class CallOutcome:
    call: PlannedCall
    call_sid: str
    ended_by: str  # the simulator's: gateway when the gateway ended the call
    webhooks: tuple[Webhook, ...]
    read_backs: tuple[float, ...]  # end of speech to the read-back's answer (speech_calls_eval)
    problem: str  # the application error that ended the call (code and message), or ""


@dataclass(frozen=True)
class Target:
    base_url: str  # the gateway's public base URL (IVR_PUBLIC_BASE_URL)
    auth_token: str


def place_storm_call(
    call: PlannedCall,
    target: Target,
    media: MediaServer,
    audio_folder: Path,
    transport: httpx.BaseTransport,
    pace: float,
    started: float,
) -> CallOutcome:
    """Wait for the call's start (``started`` plus its offset, in ``time.perf_counter``),
    then place it, paced as a real call (``pace`` 1) or faster."""
    time.sleep(max(0.0, started + call.start * pace - time.perf_counter()))
    caller = StormCaller(call, audio_folder)
    timer, clock = Timer(caller, paced=pace > 0), WebhookClock(transport)
    hooks = {"request": [timer.on_request], "response": [timer.on_response]}
    options = CallOptions(
        voice_url=f"{target.base_url}/twilio/voice",
        auth_token=target.auth_token,
        status_callback=f"{target.base_url}/twilio/voice/status",
        webhook_timeout=WEBHOOK_LIMIT,
        pause_pace=0.0,
        pace=pace,
        answer_delay=ANSWER_DELAY,
        seed=call.seed,
    )
    with httpx.Client(transport=clock, event_hooks=hooks) as client:  # type: ignore[arg-type]
        result = place_call(client, options, [Respond(caller)], media=media)
    errors = result.transcript.of_kind(LineKind.ERROR)
    problem = re.sub(r" on \S+ \S+:", ":", errors[0]) if errors else ""  # no URL: no SIDs
    return CallOutcome(
        call,
        result.call_sid,
        result.ended_by,
        tuple(clock.webhooks),
        tuple(timer.latencies),
        problem,
    )


def replay_call(
    outcome: CallOutcome,
    url: str,
    auth_token: str,
    transport: httpx.BaseTransport,
    pace: float,
    started: float,
) -> list[Webhook]:
    """The call's webhooks sent to ``url`` (the bare app) with the same forms, each after the
    same gap the gateway's call left before it (the caller's listening and answering time)."""
    time.sleep(max(0.0, started + outcome.call.start * pace - time.perf_counter()))
    validator = RequestValidator(auth_token)
    clock = WebhookClock(transport)
    with httpx.Client(transport=clock, timeout=WEBHOOK_LIMIT) as client:
        last = time.perf_counter()
        for webhook in outcome.webhooks:
            time.sleep(max(0.0, last + webhook.gap - time.perf_counter()))
            form = dict(httpx.QueryParams(webhook.body.decode()))
            headers = {
                "X-Twilio-Signature": validator.compute_signature(url, form),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            with contextlib.suppress(httpx.HTTPError):  # the clock keeps it, unanswered
                client.post(url, content=webhook.body, headers=headers)
            last = time.perf_counter()
    return clock.webhooks


def shared_transport(calls: int) -> httpx.HTTPTransport:
    """One connection pool for every call of a phase (closed by its owner, not the calls).

    An idle connection is dropped after 1 s, before gunicorn's keep-alive (2 s) closes it: a
    webhook sent on a connection the server is closing at that moment fails with a read error
    (seen once in a 100-call storm): a race of this client's pool with the server's keep-alive,
    which says nothing about how the gateway answers."""
    return httpx.HTTPTransport(
        limits=httpx.Limits(
            max_connections=calls + 10,
            max_keepalive_connections=calls + 10,
            keepalive_expiry=1.0,
        )
    )
