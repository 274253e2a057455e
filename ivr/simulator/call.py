"""One simulated inbound call: Twilio's side of the conversation with a gateway.

:func:`place_call` requests the voice URL as Twilio does when a call comes in, runs the TwiML
it gets back verb by verb, follows actions and redirects, answers every wait with the caller
script's next step, and ends the call as Twilio would (end of document, ``<Hangup>``,
``<Reject>``, the caller hanging up, or an application error), then posts the status
callback. Time inside the call is simulated: nothing waits except ``<Pause>``, which sleeps
``pause_pace`` real seconds per second so that a gateway's background jobs get real time to
finish while the caller is kept company. With ``pace`` above 0, the call takes the time a
real one takes (times ``pace``): every second it counts (prompts said at 150 words a minute,
pauses, keys, the caller's words, silences) is slept, and the caller takes ``answer_delay``
seconds (drawn with ``seed``) before acting at each wait, as load tests need. A guard ends
calls that loop without end.
"""

from __future__ import annotations

import math
import random
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urljoin

import httpx

from ivr.simulator.agent_side import agent_takes, person_answers
from ivr.simulator.caller_turns import (
    CallerTurns,
    End,
    Goto,
    Outcome,
    RecordingInfo,
    speaking_time,
)
from ivr.simulator.live_calls import LiveCalls, LiveLine, RestRedirect
from ivr.simulator.media import MediaServer
from ivr.simulator.script import Script, Step, as_script
from ivr.simulator.sids import new_sid
from ivr.simulator.transcript import CallTranscript, LineKind, TranscriptWriter
from ivr.simulator.twiml_reader import (
    Dial,
    Document,
    Enqueue,
    Gather,
    Hangup,
    Leave,
    Pause,
    Play,
    Record,
    Redirect,
    Reject,
    Say,
    Verb,
)
from ivr.simulator.webhook import ApplicationError, Exchange, UrlMap, Webhooks

APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."


@dataclass(frozen=True)
class CallerPlace:
    """Where a phone number is, as Twilio reports it beside the number."""

    city: str = "BOSTON"
    state: str = "MA"
    zip: str = "02108"
    country: str = "US"


@dataclass(frozen=True)
class CallOptions:
    """How the phone number is configured at Twilio, and who is calling it."""

    voice_url: str  # the Voice URL as configured at Twilio (the public URL)
    voice_method: str = "POST"
    transport_url: str = ""  # where that URL is reached from here; empty: the voice URL itself
    from_number: str = field(default="+16175550123", repr=False)
    to_number: str = field(default="+16175550311", repr=False)
    from_place: CallerPlace = CallerPlace()
    to_place: CallerPlace = CallerPlace()
    account_sid: str = ""  # empty: a random one
    auth_token: str = field(default="", repr=False)  # empty: requests are not signed
    status_callback: str = ""
    status_callback_method: str = "POST"
    max_requests: int = 100
    webhook_timeout: float = 15.0
    pause_pace: float = 1.0
    pace: float = 0.0  # real seconds slept per second the call counts; 0: only pause_pace
    answer_delay: tuple[float, float] = (0.0, 0.0)  # seconds before the caller acts, drawn
    seed: int | None = None  # the draws of answer_delay; None: different on every call
    agent_url: str = ""  # the agents' TwiML that takes the next caller from a queue
    agent_number: str = field(default="+16175550199", repr=False)  # the agent's phone


@dataclass(frozen=True)
class CallResult:
    call_sid: str
    account_sid: str
    transcript: CallTranscript
    ended_by: str  # gateway, caller, rejected, error, step-limit, script
    call_status: str  # what the status callback says: completed, busy, no-answer
    duration: int  # seconds, as CallDuration
    recordings: tuple[RecordingInfo, ...]
    exchanges: tuple[Exchange, ...]


def place_call(
    client: httpx.Client,
    options: CallOptions,
    script: Script | list[Step],
    *,
    media: MediaServer | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    call_sid: str = "",
    live: LiveCalls | None = None,
) -> CallResult:
    """Run one call to the end; ``media`` serves recordings (needed for ``<Record>``);
    ``live`` is where Twilio's REST call updates reach the call (see ``live_calls``)."""
    call = _Call(client, options, as_script(script), media, sleep, now, call_sid)
    if live is None:
        return call.run()
    call.line = live.open(call.call_sid)
    try:
        return call.run()
    finally:
        live.close(call.call_sid)


class _Call:
    def __init__(
        self,
        client: httpx.Client,
        options: CallOptions,
        script: Script,
        media: MediaServer | None,
        sleep: Callable[[float], None],
        now: Callable[[], datetime],
        call_sid: str,
    ) -> None:
        self.options = options
        self.call_sid = call_sid or new_sid("CA")
        self.account_sid = options.account_sid or new_sid("AC")
        self.webhooks = Webhooks(
            client,
            auth_token=options.auth_token,
            url_map=UrlMap.between(options.voice_url, options.transport_url)
            if options.transport_url
            else None,
            timeout=options.webhook_timeout,
        )
        self.writer = TranscriptWriter()
        self.sleep = sleep
        self.now = now
        self.seconds = 0.0
        self.random = random.Random(options.seed)
        self.answered = False
        self.hung_up = False
        self.requests = 0
        self.turns = CallerTurns(self, script.steps, media)
        self.line: LiveLine | None = None

    # What every request carries -------------------------------------------------------------

    def call_params(self, status: str = "") -> dict[str, str]:
        o = self.options
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": self.call_sid,
            "CallStatus": status or self.current_status(),
            "Direction": "inbound",
            "From": o.from_number,
            "To": o.to_number,
            "Caller": o.from_number,
            "Called": o.to_number,
        }
        for prefix, place in (("From", o.from_place), ("Caller", o.from_place)):
            params.update(_place(prefix, place))
        for prefix, place in (("To", o.to_place), ("Called", o.to_place)):
            params.update(_place(prefix, place))
        return params

    def current_status(self) -> str:
        if self.hung_up:
            return "completed"
        return "in-progress" if self.requests else "ringing"

    def timestamp(self) -> str:
        return format_datetime(self.now().astimezone(UTC))

    # The loop -------------------------------------------------------------------------------

    def run(self) -> CallResult:
        pending: Goto | None = Goto(self.options.voice_url, self.options.voice_method, {}, "voice")
        document, document_url, index = Document(verbs=()), self.options.voice_url, 0
        while True:
            if pending is not None:
                fetched = self._fetch(pending)
                if isinstance(fetched, End):
                    return self._finish(fetched)
                document, document_url, index, pending = fetched, pending.url, 0, None
            if index >= len(document.verbs):
                return self._finish(End("gateway", "Call ended by the gateway"))
            if self.line is not None and (redirect := self.line.take()) is not None:
                pending = self._rest_redirect(redirect)
                continue
            verb = document.verbs[index]
            index += 1
            outcome = self._run_verb(verb, document_url)
            if isinstance(outcome, End):
                return self._finish(outcome)
            pending = outcome

    def _fetch(self, goto: Goto) -> Document | End:
        if self.requests >= self.options.max_requests:
            return End(
                "step-limit",
                f"The simulator ended the call after {self.requests} webhook requests "
                "(a redirect loop?)",
            )
        params = {**self.call_params(), **goto.params}
        if goto.purpose == "voice":
            params["CallToken"] = secrets.token_urlsafe(48)
        self.requests += 1
        try:
            document = self.webhooks.fetch_twiml(goto.purpose, goto.url, goto.method, params)
        except ApplicationError as error:
            document = None
            failure: ApplicationError | None = error
        else:
            failure = None
        for notice in goto.afterwards:
            self.notify(*notice)
        if goto.ends_call is not None:
            self.writer.note(f"Twilio ignores the TwiML returned to {goto.purpose} after a hang-up")
            return goto.ends_call
        if failure is not None:
            return self._application_error(failure, goto)
        assert document is not None
        return document

    def _application_error(self, error: ApplicationError, goto: Goto) -> End:
        self.writer.add(
            LineKind.ERROR, f"{error.code} on {goto.method} {goto.url}: {error.message}"
        )
        self.writer.heard(APPLICATION_ERROR)
        self.seconds += speaking_time(APPLICATION_ERROR)
        return End("error", "Call ended after an application error")

    def notify(self, purpose: str, url: str, method: str, params: Mapping[str, str]) -> None:
        problem = self.webhooks.notify(purpose, url, method, params)
        if problem:
            self.writer.note(problem)

    def _run_verb(self, verb: Verb, document_url: str) -> Outcome:
        if isinstance(verb, Reject):
            if not self.answered:
                status = "busy" if verb.reason == "busy" else "no-answer"
                return End("rejected", f"Call rejected ({verb.reason})", status)
            return End("gateway", "Call ended by the gateway (<Reject> after answering hangs up)")
        self.answered = True
        if isinstance(verb, Say | Play | Pause):
            self.prompt(verb)
            return None
        if isinstance(verb, Hangup):
            return End("gateway", "Call ended by the gateway")
        if isinstance(verb, Redirect):
            return Goto(urljoin(document_url, verb.url), verb.method, {}, "redirect")
        if isinstance(verb, Leave):
            self.writer.note("<Leave> outside a queue does nothing")
            return None
        if isinstance(verb, Gather):
            return self.turns.gather(verb, document_url)
        if isinstance(verb, Record):
            return self.turns.record(verb, document_url)
        if isinstance(verb, Dial):
            return self.turns.dial(verb, document_url)
        if isinstance(verb, Enqueue):
            return self.turns.enqueue(verb, document_url)
        raise AssertionError(f"unhandled verb {type(verb).__name__}")

    def prompt(self, verb: Say | Play | Pause) -> None:
        """Play a Say, Play or Pause to the caller."""
        if isinstance(verb, Pause):
            self.writer.note(f"pause {verb.length} s")
            self.spend(verb.length)
            if self.options.pace <= 0 and self.options.pause_pace > 0:
                self.sleep(verb.length * self.options.pause_pace)
            return
        if isinstance(verb, Say):
            heard, seconds = verb.text, speaking_time(verb.text)
        elif verb.digits:
            heard, seconds = f"(tones {verb.digits})", 0.5 * len(verb.digits)
        else:
            heard, seconds = f"(audio {verb.url})", 0.0
        for _ in range(max(1, verb.loop)):
            self.writer.heard(heard)
            self.spend(seconds)
        if verb.loop == 0:
            self.writer.note("loop=0: Twilio repeats this until the call moves on")

    def spend(self, seconds: float) -> None:
        """The call goes on for ``seconds``: counted, and slept when the call is paced."""
        self.seconds += seconds
        if self.options.pace > 0 and seconds > 0:
            self.sleep(seconds * self.options.pace)

    def caller_acts(self) -> None:
        """The caller takes a moment before pressing or speaking (``answer_delay``)."""
        low, high = self.options.answer_delay
        if high > 0:
            self.spend(self.random.uniform(low, high))

    # Staff's side and Twilio's REST updates --------------------------------------------------

    def answered_by(self, verb: Dial, document_url: str) -> None:
        for target in verb.targets:
            person_answers(self, target, document_url)

    def taken_from_queue(self, queue: str, queue_sid: str, wait: int) -> None:
        if self.options.agent_url:
            agent_takes(
                self, self.options.agent_url, self.options.agent_number, queue, queue_sid, wait
            )

    def hold(self, seconds: float) -> Goto | None:
        if self.line is None:
            self.writer.note("holding needs a live-call registry: the person hangs up")
            return None
        redirect = self.line.hold(seconds)
        if redirect is None:
            self.writer.note("no REST redirect came: the person hangs up")
            return None
        return self._rest_redirect(redirect)

    def _rest_redirect(self, redirect: RestRedirect) -> Goto:
        self.writer.note("Twilio redirected the call (REST call update)")
        return Goto(redirect.url, redirect.method, {}, "rest-redirect")

    def _finish(self, end: End) -> CallResult:
        self.writer.add(LineKind.ENDED, end.text)
        duration = 0 if end.status != "completed" else math.ceil(self.seconds)
        if self.options.status_callback:
            params = self.call_params(end.status)
            params.update(
                CallDuration=str(duration),
                Timestamp=self.timestamp(),
                CallbackSource="call-progress-events",
                SequenceNumber="0",
            )
            url = urljoin(self.options.voice_url, self.options.status_callback)
            self.notify("status-callback", url, self.options.status_callback_method, params)
        return CallResult(
            call_sid=self.call_sid,
            account_sid=self.account_sid,
            transcript=self.writer.transcript(),
            ended_by=end.by,
            call_status=end.status,
            duration=duration,
            recordings=self.turns.recordings(),
            exchanges=tuple(self.webhooks.exchanges),
        )


def _place(prefix: str, place: CallerPlace) -> dict[str, str]:
    return {
        f"{prefix}City": place.city,
        f"{prefix}State": place.state,
        f"{prefix}Zip": place.zip,
        f"{prefix}Country": place.country,
    }
