"""The verbs that wait on the caller: ``<Gather>``, ``<Record>``, ``<Dial>``, ``<Enqueue>``.

Each takes the caller script's next step (a reacting caller's choice, see ``script_cursor``)
and does what Twilio documents for it:

- ``<Gather>`` collects keys up to ``finishOnKey`` or ``numDigits`` (keys after that are lost),
  or speech when ``input`` allows it, and requests its action (default: the current document)
  with ``Digits`` or ``SpeechResult`` and ``Confidence``. With no input it goes on to the next
  verb, unless ``actionOnEmptyResult`` is true: then the action is requested with empty
  ``Digits``. A caller who hangs up ends the call: the action is not requested.
- ``<Record>`` keeps the caller's audio on the media server and requests its action with
  ``RecordingUrl``, ``RecordingSid``, ``RecordingDuration`` and ``Digits`` (the key that ended
  it, or ``hangup``); an empty recording requests nothing and goes on to the next verb. The
  ``recordingStatusCallback`` is posted after the action's response has come back, as the
  recording becomes ready while the caller hears it. After a hang-up, the action is still
  requested and its TwiML ignored.
- ``<Dial>`` ends as the script's ``dial`` step says and requests its action with
  ``DialCallStatus``, ``DialCallSid`` and ``DialCallDuration`` (none: the next verb).
- ``<Enqueue>`` plays its ``waitUrl`` again and again until the script's ``queue`` step
  happens or the waitUrl says ``<Leave>`` (``queue_wait``), then requests its action with
  ``QueueResult``, ``QueueSid`` and ``QueueTime``.
- A person answering a ``<Dial>`` or taking a queued caller hears the whisper (``agent_side``);
  a ``hold`` step after it keeps the caller with them until a REST redirect (``live_calls``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urljoin

from ivr.simulator.media import (
    MediaServer,
    ScriptAudioError,
    spoken_recording,
    truncate_wav,
    wav_duration,
)
from ivr.simulator.queue_wait import queue_params, wait_in_queue
from ivr.simulator.script import (
    Action,
    AnswerDial,
    HangUp,
    Hold,
    Press,
    QueueOutcome,
    Silence,
    Speak,
    SpeakAudio,
    Step,
    describe,
)
from ivr.simulator.script_cursor import ScriptCursor
from ivr.simulator.sids import new_sid
from ivr.simulator.transcript import LineKind, TranscriptWriter
from ivr.simulator.twiml_reader import Dial, Enqueue, Gather, Pause, Play, Record, Say
from ivr.simulator.webhook import Webhooks

SPOKEN_WORDS_PER_SECOND = 2.5
SECONDS_PER_KEY = 0.5

Notice = tuple[str, str, str, Mapping[str, str]]  # purpose, url, method, params


@dataclass(frozen=True)
class End:
    by: str
    text: str
    status: str = "completed"


@dataclass(frozen=True)
class Goto:
    """Request a URL and run the TwiML it returns (or end the call, ``ends_call``)."""

    url: str
    method: str
    params: Mapping[str, str]
    purpose: str
    afterwards: tuple[Notice, ...] = ()  # callbacks sent once the response has come back
    ends_call: End | None = None  # the caller has hung up: the response is ignored


Outcome = Goto | End | None  # None: go on to the next verb


@dataclass(frozen=True)
class RecordingInfo:
    """A recording the caller left: its SID, its URL on the media server, whole seconds."""

    sid: str
    url: str
    duration: int


class CallContext(Protocol):
    writer: TranscriptWriter
    webhooks: Webhooks
    hung_up: bool
    account_sid: str
    call_sid: str
    seconds: float  # the call's clock

    def call_params(self, status: str = "") -> dict[str, str]: ...

    def timestamp(self) -> str: ...

    def notify(self, purpose: str, url: str, method: str, params: Mapping[str, str]) -> None: ...

    def prompt(self, verb: Say | Play | Pause) -> None: ...

    def spend(self, seconds: float) -> None: ...

    def caller_acts(self) -> None: ...

    def answered_by(self, verb: Dial, document_url: str) -> None: ...

    def taken_from_queue(self, queue: str, queue_sid: str, wait: int) -> None: ...

    def hold(self, seconds: float) -> Goto | None: ...


def speaking_time(text: str) -> float:
    """Seconds it takes to say ``text`` at a telephone voice's pace."""
    return max(1.0, len(text.split()) / SPOKEN_WORDS_PER_SECOND)


class CallerTurns:
    def __init__(self, call: CallContext, steps: Sequence[Step], media: MediaServer | None) -> None:
        self._call = call
        self._script = ScriptCursor(steps, call.writer)
        self._media = media
        self._recordings: list[RecordingInfo] = []

    def recordings(self) -> tuple[RecordingInfo, ...]:
        return tuple(self._recordings)

    # The script -----------------------------------------------------------------------------

    def _peek(self) -> Action | None:
        return self._script.peek()

    def _take(self) -> Action | None:
        return self._script.take()

    def _hang_up(self, step: Action | None) -> End:
        self._call.hung_up = True
        if step is None:
            return End("caller", "Caller hung up (end of script)")
        return End("caller", "Caller hung up")

    def _mismatch(self, step: Action, verb: str) -> End:
        return End(
            "script",
            f"The simulator ended the call: script step {self._script.position} "
            f"({describe(step)}) cannot answer a <{verb}>",
        )

    def _held(self) -> Goto | None:
        """A ``hold`` step: the caller stays with the person until a REST redirect."""
        self._script.waiting("hold")
        step = self._peek()
        if not isinstance(step, Hold):
            return None
        self._take()
        return self._call.hold(step.seconds)

    # <Gather> -------------------------------------------------------------------------------

    def gather(self, verb: Gather, document_url: str) -> Outcome:
        call, write = self._call, self._call.writer
        for prompt in verb.prompts:
            call.prompt(prompt)
        action = urljoin(document_url, verb.action) if verb.action else document_url
        self._script.waiting("gather", keys="dtmf" in verb.input, speech="speech" in verb.input)
        step = self._take()
        if step is None or isinstance(step, HangUp):
            return self._hang_up(step)
        if isinstance(step, AnswerDial | QueueOutcome | Hold):
            return self._mismatch(step, "Gather")
        if isinstance(step, Press | Speak | SpeakAudio):
            call.caller_acts()
        result: dict[str, str] | None = None
        if isinstance(step, Press):
            write.add(LineKind.PRESSED, f"Pressed {step.keys}")
            if "dtmf" in verb.input:
                result = self._collect_digits(verb, step.keys)
            else:
                write.note("this <Gather> listens for speech only: the keys were not heard")
                call.spend(verb.timeout)
        elif isinstance(step, Speak | SpeakAudio):
            if isinstance(step, SpeakAudio):
                write.add(LineKind.SAID, f"(audio {step.path.name}) {step.words}".strip())
            else:
                write.add(LineKind.SAID, step.words)
            call.spend(speaking_time(step.words) + 1)
            if "speech" in verb.input and step.words:
                result = {"SpeechResult": step.words, "Confidence": f"{step.confidence:.8f}"}
            elif "speech" not in verb.input:
                write.note("this <Gather> listens for keys only: the words were not heard")
            else:
                write.note("the audio carries no words to recognise: nothing was heard")
        elif isinstance(step, Silence):
            write.add(LineKind.SILENCE, "(silence)")
            call.spend(verb.timeout)
        if result is not None:
            return Goto(action, verb.method, result, "action")
        if verb.action_on_empty_result:
            empty = {"Digits": ""} if "dtmf" in verb.input else {}
            return Goto(action, verb.method, empty, "action")
        return None

    def _collect_digits(self, verb: Gather, keys: str) -> dict[str, str] | None:
        digits, used, complete = "", 0, False
        for key in keys:
            used += 1
            if verb.finish_on_key and key == verb.finish_on_key:
                complete = True
                break
            digits += key
            if verb.num_digits and len(digits) >= verb.num_digits:
                complete = True
                break
        self._call.spend(used * SECONDS_PER_KEY + (0 if complete else verb.timeout))
        if keys[used:]:
            self._call.writer.note(f"keys {keys[used:]} came after the <Gather> ended: lost")
        return {"Digits": digits} if digits else None

    # <Record> -------------------------------------------------------------------------------

    def record(self, verb: Record, document_url: str) -> Outcome:
        call, write = self._call, self._call.writer
        if verb.play_beep:
            write.heard("(beep)")
        action = urljoin(document_url, verb.action) if verb.action else document_url
        callback = (
            urljoin(document_url, verb.recording_status_callback)
            if verb.recording_status_callback
            else ""
        )
        self._script.waiting("record", speech=True, keys=bool(verb.finish_on_key))
        step = self._take()
        if isinstance(step, AnswerDial | QueueOutcome | Hold):
            return self._mismatch(step, "Record")
        if step is None or isinstance(step, HangUp):
            self._recording_status(verb, callback, "absent", "", "", 0)
            return self._hang_up(step)
        if not isinstance(step, Silence):
            call.caller_acts()
        if isinstance(step, Silence | Press):
            if isinstance(step, Press):
                write.add(LineKind.PRESSED, f"Pressed {step.keys}")
                call.spend(SECONDS_PER_KEY)
            else:
                write.add(LineKind.SILENCE, "(silence)")
                call.spend(verb.timeout)
            write.note("nothing was recorded: Twilio goes on to the next verb")
            self._recording_status(verb, callback, "absent", "", "", 0)
            return None
        if self._media is None:
            return End("script", "The simulator ended the call: no media server for <Record>")
        ending = ""
        if isinstance(step, Speak):
            write.add(LineKind.SAID, step.words)
            audio, source = spoken_recording(step.words, speaking_time(step.words))
        else:
            try:
                audio = step.path.read_bytes()
                wav_duration(audio)
            except (OSError, ScriptAudioError) as error:
                return End("script", f"The simulator ended the call: {step.path.name}: {error}")
            source = step.path.name
            if step.then == "hangup":
                ending = "hangup"
            elif step.then and step.then[0] in verb.finish_on_key:
                ending = step.then[0]
        seconds = wav_duration(audio)
        if seconds > verb.max_length:
            audio, seconds, ending = truncate_wav(audio, verb.max_length), verb.max_length, ""
        duration = max(1, round(seconds)) if seconds > 0 else 0
        call.spend(seconds + (verb.timeout if not ending else 0))
        if duration == 0:
            write.note("the audio is empty: Twilio goes on to the next verb")
            self._recording_status(verb, callback, "absent", "", "", 0)
            return None
        sid = new_sid("RE")
        url = self._media.store(call.account_sid, sid, audio)
        self._recordings.append(RecordingInfo(sid, url, duration))
        write.add(LineKind.RECORDED, f"Recorded {duration} s ({source})")
        if ending and ending != "hangup":
            write.add(LineKind.PRESSED, f"Pressed {ending}")
        self._recording_status(verb, callback, "in-progress", sid, url, 0)
        params = {"RecordingUrl": url, "RecordingSid": sid, "RecordingDuration": str(duration)}
        if ending:
            params["Digits"] = ending
        after = self._status_notice(verb, callback, "completed", sid, url, duration)
        if ending == "hangup":
            call.hung_up = True
            return Goto(
                action, verb.method, params, "action", after, End("caller", "Caller hung up")
            )
        return Goto(action, verb.method, params, "action", after)

    def _status_notice(
        self, verb: Record, url: str, status: str, sid: str, media_url: str, duration: int
    ) -> tuple[Notice, ...]:
        if not url or status not in verb.recording_status_callback_event:
            return ()
        params = {
            "AccountSid": self._call.account_sid,
            "CallSid": self._call.call_sid,
            "RecordingSid": sid,
            "RecordingUrl": media_url,
            "RecordingStatus": status,
            "RecordingDuration": str(duration),
            "RecordingChannels": "1",
            "RecordingSource": "RecordVerb",
            "RecordingStartTime": self._call.timestamp(),
            "ErrorCode": "0",
        }
        if status == "absent":
            params["ErrorCode"] = "16102"
        method = verb.recording_status_callback_method
        return (("recording-status-callback", url, method, params),)

    def _recording_status(
        self, verb: Record, url: str, status: str, sid: str, media_url: str, duration: int
    ) -> None:
        for notice in self._status_notice(verb, url, status, sid, media_url, duration):
            self._call.notify(*notice)

    # <Dial> ---------------------------------------------------------------------------------

    def dial(self, verb: Dial, document_url: str) -> Outcome:
        call, write = self._call, self._call.writer
        self._script.waiting("dial")
        step = self._peek()
        if isinstance(step, HangUp):
            self._take()
            return self._hang_up(step)
        if isinstance(step, AnswerDial):
            self._take()
            answer = step
        else:
            answer = AnswerDial("completed", 0)
            write.note("no dial step in the script here: the dialled party answers and hangs up")
        names = ", ".join(
            target.value if target.kind == "number" else f"{target.kind} {target.value}"
            for target in verb.targets
        )
        write.add(LineKind.DIALLED, f"Dialled {names} → {answer.status}")
        if answer.status == "no-answer":
            call.spend(verb.timeout)
        else:
            call.spend(min(answer.duration, verb.time_limit) + 1)
        if answer.status == "completed":
            call.answered_by(verb, document_url)
            if held := self._held():
                return held
        if not verb.action:
            return None
        params = {"DialCallStatus": answer.status, "DialCallSid": new_sid("CA")}
        if answer.status == "completed":
            params["DialCallDuration"] = str(min(answer.duration, verb.time_limit))
        return Goto(urljoin(document_url, verb.action), verb.method, params, "action")

    # <Enqueue> ------------------------------------------------------------------------------

    def enqueue(self, verb: Enqueue, document_url: str) -> Outcome:
        """The caller waits in the queue (``queue_wait``) until the script's ``queue`` step
        happens or the waitUrl takes them out; then the action gets the ``QueueResult``."""
        call, write = self._call, self._call.writer
        queue_sid = new_sid("QU")
        self._script.waiting("enqueue")
        step = self._peek()
        if isinstance(step, QueueOutcome | HangUp):
            self._take()
        outcome = (
            step
            if isinstance(step, QueueOutcome)
            else QueueOutcome("hangup" if isinstance(step, HangUp) else "bridged", 0)
        )
        if step is None or not isinstance(step, QueueOutcome | HangUp):
            write.note("no queue step in the script here: an agent answers at once")
        wait = wait_in_queue(call, verb, document_url, queue_sid, outcome)
        if wait.ended is not None:
            return End(*wait.ended)
        write.add(LineKind.QUEUED, f"Waited in queue {verb.queue} → {wait.result}")
        if wait.result == "bridged":
            call.taken_from_queue(verb.queue, queue_sid, int(wait.queue_time))
            if held := self._held():
                return held
        params = queue_params(wait, queue_sid)
        action = urljoin(document_url, verb.action) if verb.action else ""
        if wait.result == "hangup":
            end = self._hang_up(step if step is not None else HangUp())
            return Goto(action, verb.method, params, "action", (), end) if action else end
        return Goto(action, verb.method, params, "action") if action else None
