"""The caller's script: what a simulated caller does, one step at each point a call waits on them.

A step is taken each time the gateway waits for the caller (``<Gather>``, ``<Record>``,
``<Dial>``, ``<Enqueue>``). Scripts are Python lists of the step classes below, or YAML::

    steps:
      - press: "1"
      - say: twelve thirty four washington street
        confidence: 0.82
      - silence
      - audio: recordings/pothole.wav      # relative to the script file
        words: a big pothole               # what a speech <Gather> would recognise
        then: "#"                          # key pressed after speaking, or hangup
      - dial: no-answer                    # how the <Dial>ed party answers
        duration: 0
      - queue: bridged
        wait: 30
      - hold: 10                           # stay with the person until a REST redirect
      - hangup

When the steps run out, the caller hangs up.

A caller who reacts to what they hear is a :class:`Respond` step (Python only): its ``decide``
is asked at each wait what to do, from the :class:`Turn` (what the gateway said since the
caller last acted, and how it waits), so a caller can say "1" to a read-back only when it names
their address and follow whatever repair the gateway offers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ivr.simulator.twiml_reader import DTMF_KEYS

DIAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
QUEUE_RESULTS = (
    "bridged", "bridging-in-process", "queue-full", "error", "system-error", "hangup",
    "leave", "redirected",
)  # fmt: skip


class ScriptError(ValueError):
    """A script step cannot be used; the message names the step and the field."""


@dataclass(frozen=True)
class Press:
    """Press keys on the keypad, e.g. ``"1"`` or ``"1234#"``."""

    keys: str = field(repr=False)


@dataclass(frozen=True)
class Speak:
    """Say words; a speech ``<Gather>`` posts them as ``SpeechResult`` with this confidence."""

    words: str = field(repr=False)
    confidence: float = 0.9


@dataclass(frozen=True)
class Silence:
    """Say and press nothing until the gateway gives up waiting."""


@dataclass(frozen=True)
class HangUp:
    """Hang up."""


@dataclass(frozen=True)
class SpeakAudio:
    """Speak the audio in a WAV file; ``then`` is a key pressed afterwards, or ``"hangup"``."""

    path: Path = field(repr=False)
    words: str = field(default="", repr=False)
    confidence: float = 0.9
    then: str = ""


@dataclass(frozen=True)
class AnswerDial:
    """How the party a ``<Dial>`` calls answers."""

    status: str = "completed"
    duration: int = 0


@dataclass(frozen=True)
class QueueOutcome:
    """How the caller's wait in an ``<Enqueue>`` ends."""

    result: str = "bridged"
    wait: int = 0


@dataclass(frozen=True)
class Hold:
    """After a ``dial`` or ``queue`` step that connected the caller to a person: stay on the
    line with them until Twilio redirects the call (a REST call update) or ``seconds`` (real
    seconds) pass, after which the person hangs up."""

    seconds: float = 10.0


Action = Press | Speak | Silence | HangUp | SpeakAudio | AnswerDial | QueueOutcome | Hold


@dataclass(frozen=True)
class Turn:
    """What a caller knows when the gateway waits on them: every text it said since the caller
    last acted, in order (``heard``), and the wait: ``verb`` is ``gather``, ``record``,
    ``dial``, ``enqueue`` or ``hold``; ``keys`` and ``speech`` say what it listens for."""

    heard: tuple[str, ...] = field(repr=False)
    verb: str
    keys: bool = False
    speech: bool = False

    @property
    def text(self) -> str:
        """The turn's texts as one, space-joined."""
        return " ".join(self.heard)


@dataclass(frozen=True)
class Respond:
    """A caller who reacts: at each wait, ``decide(turn)`` chooses the action (any step but
    another ``Respond``). ``None`` means this caller is done: the script's next step answers
    the wait. With ``once``, the step is used up after one answer."""

    decide: Callable[[Turn], Action | None] = field(repr=False)
    once: bool = False


Step = Action | Respond


@dataclass(frozen=True)
class Script:
    steps: tuple[Step, ...]
    caller: str = field(default="", repr=False)  # the From number the script asks for
    called: str = field(default="", repr=False)  # the To number the script asks for


def describe(step: Step) -> str:
    """A short name for a step that carries no personal data."""
    names = {
        Press: "press", Speak: "say", Silence: "silence", HangUp: "hangup", SpeakAudio: "audio",
        AnswerDial: "dial", QueueOutcome: "queue", Hold: "hold", Respond: "respond",
    }  # fmt: skip
    return names[type(step)]


def load_script(path: Path) -> Script:
    """Read a YAML script; audio paths are relative to the script's folder."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ScriptError(f"{path}: cannot read the script: not UTF-8 text") from None
    except (OSError, yaml.YAMLError) as error:
        raise ScriptError(f"{path}: cannot read the script: {error}") from None
    return parse_script(data, base=path.parent)


def parse_script(data: Any, *, base: Path | None = None) -> Script:
    """A script from YAML-shaped data: a list of steps, or a mapping with ``steps``."""
    caller = called = ""
    if isinstance(data, Mapping):
        unknown = set(data) - {"steps", "from", "to"}
        if unknown:
            raise ScriptError(f"unknown script field {sorted(unknown)[0]!r}")
        caller = _text(data.get("from", ""), "from")
        called = _text(data.get("to", ""), "to")
        data = data.get("steps")
    if not isinstance(data, list):
        raise ScriptError("steps must be a list")
    steps = tuple(_step(item, f"steps[{index}]", base) for index, item in enumerate(data))
    return Script(steps=steps, caller=caller, called=called)


def as_script(steps: Script | Iterable[Step | str | Mapping[str, Any]]) -> Script:
    """Accept a Script, or a list mixing step objects and their YAML forms."""
    if isinstance(steps, Script):
        return steps
    items = list(steps)
    parsed = [
        item if isinstance(item, _STEP_TYPES) else _step(item, f"steps[{index}]", None)
        for index, item in enumerate(items)
    ]
    return Script(steps=tuple(parsed))


_STEP_TYPES = (
    Press, Speak, Silence, HangUp, SpeakAudio, AnswerDial, QueueOutcome, Hold, Respond,
)  # fmt: skip


def _step(item: Any, where: str, base: Path | None) -> Action:
    if item == "silence":
        return Silence()
    if item == "hangup":
        return HangUp()
    if not isinstance(item, Mapping):
        raise ScriptError(f"{where} must be silence, hangup or a mapping such as {{press: '1'}}")
    kinds = [key for key in ("press", "say", "audio", "dial", "queue", "hold") if key in item]
    if len(kinds) != 1:
        raise ScriptError(f"{where} needs exactly one of press, say, audio, dial, queue, hold")
    kind = kinds[0]
    allowed = {
        "press": {"press"},
        "say": {"say", "confidence"},
        "audio": {"audio", "words", "confidence", "then"},
        "dial": {"dial", "duration"},
        "queue": {"queue", "wait"},
        "hold": {"hold"},
    }[kind]
    extra = set(item) - allowed
    if extra:
        raise ScriptError(f"{where}.{sorted(extra)[0]} is not a field of a {kind} step")
    if kind == "hold":
        return Hold(seconds=float(_seconds(item["hold"], f"{where}.hold")))
    if kind == "press":
        return Press(keys=_keys(item["press"], f"{where}.press"))
    if kind == "say":
        words = _text(item["say"], f"{where}.say")
        if not words.strip():
            raise ScriptError(f"{where}.say is empty")
        return Speak(words=words, confidence=_confidence(item, where))
    if kind == "audio":
        path = Path(_text(item["audio"], f"{where}.audio"))
        if base is not None and not path.is_absolute():
            path = base / path
        then = _text(item.get("then", ""), f"{where}.then")
        if then and then != "hangup":
            then = _keys(then, f"{where}.then")
        return SpeakAudio(
            path=path,
            words=_text(item.get("words", ""), f"{where}.words"),
            confidence=_confidence(item, where),
            then=then,
        )
    if kind == "dial":
        status = _choice(item["dial"], DIAL_STATUSES, f"{where}.dial")
        return AnswerDial(
            status=status, duration=_seconds(item.get("duration", 0), f"{where}.duration")
        )
    result = _choice(item["queue"], QUEUE_RESULTS, f"{where}.queue")
    return QueueOutcome(result=result, wait=_seconds(item.get("wait", 0), f"{where}.wait"))


def _text(value: Any, where: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ScriptError(f"{where} must be text")
    return value


def _keys(value: Any, where: str) -> str:
    keys = _text(value, where)
    if not keys or any(key not in DTMF_KEYS for key in keys):
        raise ScriptError(f"{where} must be keypad keys (0-9, # and *)")
    return keys


def _confidence(item: Mapping[str, Any], where: str) -> float:
    value = item.get("confidence", 0.9)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ScriptError(f"{where}.confidence must be a number from 0 to 1")
    return float(value)


def _choice(value: Any, choices: tuple[str, ...], where: str) -> str:
    if value not in choices:
        raise ScriptError(f"{where} must be one of {', '.join(choices)}")
    return str(value)


def _seconds(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScriptError(f"{where} must be a whole number of seconds, zero or more")
    return value
