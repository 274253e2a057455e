"""TwiML as Twilio reads it: a ``<Response>`` document parsed into frozen verb objects.

Attributes get Twilio's documented defaults (https://www.twilio.com/docs/voice/twiml). Twilio
logs a warning for an attribute value it does not accept and carries on with a default; the
reader refuses such a document instead (:class:`TwimlError`), so that a gateway mistake stops the
simulated call where a real call would quietly do something else. Relative URLs are kept as
written: the call resolves them against the URL of the document they came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException


class TwimlError(ValueError):
    """The document is not TwiML the simulator accepts; the message names the verb and attribute."""


DTMF_KEYS = "0123456789#*"
METHODS = ("GET", "POST")
DIAL_NOUNS = ("Number", "Client", "Queue", "Sip", "Conference")
NOUN_ATTRIBUTES = {
    "Number": ("url", "method", "sendDigits", "statusCallback", "statusCallbackEvent",
               "statusCallbackMethod", "byoc"),
    "Queue": ("url", "method", "reservationSid", "postWorkActivitySid"),
}  # fmt: skip
UNSIMULATED_VERBS = ("Connect", "Pay", "Refer", "Sms", "Message", "Start", "Stop", "Prompt")


@dataclass(frozen=True)
class Say:
    text: str = field(repr=False)
    voice: str = "man"
    language: str = "en-US"
    loop: int = 1


@dataclass(frozen=True)
class Play:
    url: str = ""
    loop: int = 1
    digits: str = ""


@dataclass(frozen=True)
class Pause:
    length: int = 1


Prompt = Say | Play | Pause


@dataclass(frozen=True)
class Gather:
    action: str | None = None
    method: str = "POST"
    input: frozenset[str] = frozenset({"dtmf"})
    num_digits: int | None = None
    finish_on_key: str = "#"
    timeout: int = 5
    speech_timeout: str = ""
    hints: str = ""
    language: str = "en-US"
    action_on_empty_result: bool = False
    prompts: tuple[Prompt, ...] = ()


@dataclass(frozen=True)
class Record:
    action: str | None = None
    method: str = "POST"
    timeout: int = 5
    finish_on_key: str = "1234567890*#"
    max_length: int = 3600
    play_beep: bool = True
    trim: str = "trim-silence"
    recording_status_callback: str | None = None
    recording_status_callback_method: str = "POST"
    recording_status_callback_event: frozenset[str] = frozenset({"completed"})
    transcribe: bool = False


@dataclass(frozen=True)
class Redirect:
    url: str
    method: str = "POST"


@dataclass(frozen=True)
class DialTarget:
    kind: str  # "number" (also for text inside <Dial>), "client", "queue", "sip", "conference"
    value: str = field(repr=False)
    url: str | None = None  # <Number url>: run on the called party; <Queue url>: on the caller
    method: str = "POST"


@dataclass(frozen=True)
class Dial:
    targets: tuple[DialTarget, ...]
    action: str | None = None
    method: str = "POST"
    timeout: int = 30
    caller_id: str = field(default="", repr=False)
    time_limit: int = 14400


@dataclass(frozen=True)
class Enqueue:
    queue: str
    action: str | None = None
    method: str = "POST"
    wait_url: str | None = None
    wait_url_method: str = "POST"


@dataclass(frozen=True)
class Leave:
    pass


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class Reject:
    reason: str = "rejected"


Verb = Say | Play | Pause | Gather | Record | Redirect | Dial | Enqueue | Leave | Hangup | Reject


@dataclass(frozen=True)
class Document:
    verbs: tuple[Verb, ...]


def read_twiml(text: str | bytes) -> Document:
    """Parse a TwiML document; :class:`TwimlError` when Twilio would not run it as written."""
    try:
        root = SafeElementTree.fromstring(text)
    except (SafeElementTree.ParseError, DefusedXmlException) as error:
        raise TwimlError(f"document parse failure: {error}") from None
    if root.tag != "Response":
        raise TwimlError(f"the root element is <{root.tag}>, not <Response>")
    _no_attributes_but(root, ())
    return Document(verbs=tuple(_verb(child) for child in root))


def _verb(element: Element) -> Verb:
    reader = _READERS.get(element.tag)
    if reader is None:
        if element.tag in UNSIMULATED_VERBS:
            raise TwimlError(f"<{element.tag}> is TwiML the simulator does not play")
        raise TwimlError(f"<{element.tag}> is not a TwiML voice verb")
    return reader(element)


def _say(element: Element) -> Say:
    _no_attributes_but(element, ("voice", "language", "loop"))
    text = " ".join("".join(element.itertext()).split())
    return Say(
        text=text,
        voice=element.get("voice", "man"),
        language=element.get("language", "en-US"),
        loop=_integer(element, "loop", 1, minimum=0),
    )


def _play(element: Element) -> Play:
    _no_children(element)
    _no_attributes_but(element, ("loop", "digits"))
    url = (element.text or "").strip()
    digits = element.get("digits", "")
    if digits and not re.fullmatch(r"[0-9#*wW]+", digits):
        raise TwimlError(f"<Play digits={digits!r}> may hold only 0-9, #, * and w")
    if bool(url) == bool(digits):
        raise TwimlError("<Play> needs either a URL or a digits attribute, not both")
    return Play(url=url, loop=_integer(element, "loop", 1, minimum=0), digits=digits)


def _pause(element: Element) -> Pause:
    _no_children(element)
    _no_attributes_but(element, ("length",))
    return Pause(length=_integer(element, "length", 1, minimum=1))


def _gather(element: Element) -> Gather:
    _no_attributes_but(
        element,
        (
            "action", "method", "input", "numDigits", "finishOnKey", "timeout", "speechTimeout",
            "hints", "language", "actionOnEmptyResult", "partialResultCallback",
            "partialResultCallbackMethod", "speechModel", "enhanced", "profanityFilter",
            "bargeIn", "debug",
        ),
    )  # fmt: skip
    inputs = frozenset(element.get("input", "dtmf").split())
    if not inputs or not inputs <= {"dtmf", "speech"}:
        raise TwimlError(f"<Gather input={element.get('input')!r}> must be dtmf, speech or both")
    finish_on_key = element.get("finishOnKey", "#")
    if len(finish_on_key) > 1 or (finish_on_key and finish_on_key not in DTMF_KEYS):
        raise TwimlError(f"<Gather finishOnKey={finish_on_key!r}> must be one of 0-9, # or *")
    speech_timeout = element.get("speechTimeout", "")
    if speech_timeout not in ("", "auto") and not speech_timeout.isdigit():
        raise TwimlError(f"<Gather speechTimeout={speech_timeout!r}> must be auto or seconds")
    prompts: list[Prompt] = []
    for child in element:
        verb = _verb(child)
        if not isinstance(verb, Say | Play | Pause):
            raise TwimlError(f"<{child.tag}> cannot be nested in <Gather>")
        prompts.append(verb)
    return Gather(
        action=_url(element, "action"),
        method=_method(element, "method"),
        input=inputs,
        num_digits=_integer(element, "numDigits", 0, minimum=1) or None,
        finish_on_key=finish_on_key,
        timeout=_integer(element, "timeout", 5, minimum=1),
        speech_timeout=speech_timeout,
        hints=element.get("hints", ""),
        language=element.get("language", "en-US"),
        action_on_empty_result=_boolean(element, "actionOnEmptyResult", False),
        prompts=tuple(prompts),
    )


def _record(element: Element) -> Record:
    _no_children(element)
    _no_attributes_but(
        element,
        (
            "action", "method", "timeout", "finishOnKey", "maxLength", "playBeep", "trim",
            "recordingStatusCallback", "recordingStatusCallbackMethod",
            "recordingStatusCallbackEvent", "transcribe", "transcribeCallback",
        ),
    )  # fmt: skip
    finish_on_key = element.get("finishOnKey", "1234567890*#")
    if any(key not in DTMF_KEYS for key in finish_on_key):
        raise TwimlError(f"<Record finishOnKey={finish_on_key!r}> may hold only 0-9, # and *")
    trim = element.get("trim", "trim-silence")
    if trim not in ("trim-silence", "do-not-trim"):
        raise TwimlError(f"<Record trim={trim!r}> must be trim-silence or do-not-trim")
    events = frozenset(element.get("recordingStatusCallbackEvent", "completed").split())
    if not events <= {"in-progress", "completed", "absent"}:
        raise TwimlError(
            "<Record recordingStatusCallbackEvent> may list only in-progress, completed, absent"
        )
    return Record(
        action=_url(element, "action"),
        method=_method(element, "method"),
        timeout=_integer(element, "timeout", 5, minimum=0),
        finish_on_key=finish_on_key,
        max_length=_integer(element, "maxLength", 3600, minimum=1),
        play_beep=_boolean(element, "playBeep", True),
        trim=trim,
        recording_status_callback=_url(element, "recordingStatusCallback"),
        recording_status_callback_method=_method(element, "recordingStatusCallbackMethod"),
        recording_status_callback_event=events,
        transcribe=_boolean(element, "transcribe", False),
    )


def _redirect(element: Element) -> Redirect:
    _no_children(element)
    _no_attributes_but(element, ("method",))
    url = (element.text or "").strip()
    if not url:
        raise TwimlError("<Redirect> needs a URL")
    return Redirect(url=url, method=_method(element, "method"))


def _dial(element: Element) -> Dial:
    _no_attributes_but(
        element,
        (
            "action", "method", "timeout", "callerId", "timeLimit", "record", "hangupOnStar",
            "answerOnBridge", "ringTone", "trim", "recordingStatusCallback",
            "recordingStatusCallbackMethod", "recordingStatusCallbackEvent", "sequential",
        ),
    )  # fmt: skip
    text = (element.text or "").strip()
    targets = [DialTarget("number", text)] if text else []
    for child in element:
        if child.tag not in DIAL_NOUNS:
            raise TwimlError(f"<{child.tag}> cannot be nested in <Dial>")
        value = (child.text or "").strip()
        if not value:
            raise TwimlError(f"<{child.tag}> inside <Dial> is empty")
        if child.tag in NOUN_ATTRIBUTES:
            _no_attributes_but(child, NOUN_ATTRIBUTES[child.tag])
        targets.append(
            DialTarget(child.tag.lower(), value, _url(child, "url"), _method(child, "method"))
        )
        if (child.tail or "").strip():
            raise TwimlError("<Dial> mixes a bare number with nouns")
    if not targets:
        raise TwimlError("<Dial> names nobody to dial")
    if text and len(targets) > 1:
        raise TwimlError("<Dial> mixes a bare number with nouns")
    return Dial(
        targets=tuple(targets),
        action=_url(element, "action"),
        method=_method(element, "method"),
        timeout=_integer(element, "timeout", 30, minimum=1),
        caller_id=element.get("callerId", ""),
        time_limit=_integer(element, "timeLimit", 14400, minimum=1),
    )


def _enqueue(element: Element) -> Enqueue:
    _no_children(element)
    _no_attributes_but(element, ("action", "method", "waitUrl", "waitUrlMethod", "workflowSid"))
    queue = (element.text or "").strip()
    if not queue:
        raise TwimlError("<Enqueue> needs a queue name")
    return Enqueue(
        queue=queue,
        action=_url(element, "action"),
        method=_method(element, "method"),
        wait_url=_url(element, "waitUrl"),
        wait_url_method=_method(element, "waitUrlMethod"),
    )


def _leave(element: Element) -> Leave:
    _no_children(element)
    _no_attributes_but(element, ())
    return Leave()


def _hangup(element: Element) -> Hangup:
    _no_children(element)
    _no_attributes_but(element, ())
    return Hangup()


def _reject(element: Element) -> Reject:
    _no_children(element)
    _no_attributes_but(element, ("reason",))
    reason = element.get("reason", "rejected")
    if reason not in ("rejected", "busy"):
        raise TwimlError(f"<Reject reason={reason!r}> must be rejected or busy")
    return Reject(reason=reason)


_READERS: dict[str, Callable[[Element], Verb]] = {
    "Say": _say,
    "Play": _play,
    "Pause": _pause,
    "Gather": _gather,
    "Record": _record,
    "Redirect": _redirect,
    "Dial": _dial,
    "Enqueue": _enqueue,
    "Leave": _leave,
    "Hangup": _hangup,
    "Reject": _reject,
}


def _no_children(element: Element) -> None:
    if len(element):
        raise TwimlError(f"<{element.tag}> cannot hold <{element[0].tag}>")


def _no_attributes_but(element: Element, allowed: tuple[str, ...]) -> None:
    for name in element.attrib:
        if name not in allowed:
            raise TwimlError(f"<{element.tag}> has no attribute {name!r}")


def _integer(element: Element, name: str, default: int, *, minimum: int) -> int:
    raw = element.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise TwimlError(f"<{element.tag} {name}={raw!r}> is not a whole number") from None
    if value < minimum:
        raise TwimlError(f"<{element.tag} {name}={raw!r}> must be at least {minimum}")
    return value


def _boolean(element: Element, name: str, default: bool) -> bool:
    raw = element.get(name)
    if raw is None:
        return default
    if raw.strip().lower() not in ("true", "false"):
        raise TwimlError(f"<{element.tag} {name}={raw!r}> must be true or false")
    return raw.strip().lower() == "true"


def _method(element: Element, name: str) -> str:
    raw = element.get(name, "POST")
    if raw.strip().upper() not in METHODS:
        raise TwimlError(f"<{element.tag} {name}={raw!r}> must be GET or POST")
    return raw.strip().upper()


def _url(element: Element, name: str) -> str | None:
    raw = element.get(name)
    if raw is None:
        return None
    if not raw.strip():
        raise TwimlError(f"<{element.tag} {name}> is empty")
    return raw.strip()
