"""What the dialog engine asks the telephone to do, and the work it hands to jobs.

Actions are carrier-neutral: ``ivr.webhooks.twiml`` renders them as TwiML. A prompt is a
catalogue key with its named values and the language to speak it in; the text is looked up at
render time. Actions that wait for the caller (Gather, Record, Dial, Enqueue, Redirect) carry
the ``step`` that the caller's answer will answer, so that a retried webhook can be recognised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ivr.dialog.field_names import field_names


@dataclass(frozen=True)
class Say:
    key: str
    values: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # may hold an address
    language: str = "en"


@dataclass(frozen=True)
class Play:
    url: str


@dataclass(frozen=True)
class Pause:
    seconds: int = 1


Prompt = Say | Play | Pause


@dataclass(frozen=True)
class Gather:
    """Listen for keys and/or speech while the prompts play. Always followed by a Redirect
    (event ``no_input``) so that silence is answered too."""

    step: int
    input: tuple[str, ...] = ("dtmf", "speech")
    num_digits: int | None = None
    timeout: int = 5
    finish_on_key: str = ""
    hints: tuple[str, ...] = ()
    language: str = "en"
    prompts: tuple[Prompt, ...] = ()


@dataclass(frozen=True)
class Record:
    """Record the caller after a beep; the recording answers ``step``. Followed by a Redirect
    (event ``no_input``) for a caller who says nothing."""

    step: int
    max_length: int = 60
    finish_on_key: str = "#"
    play_beep: bool = True
    status_callback: bool = True
    timeout: int = 5  # seconds of silence that end the recording


@dataclass(frozen=True)
class Dial:
    """Connect the caller to a person; the dial's outcome answers ``step``."""

    step: int
    number: str
    timeout: int = 20


@dataclass(frozen=True)
class Enqueue:
    """Put the caller in a call-centre queue; the queue's outcome answers ``step``."""

    step: int
    queue: str


@dataclass(frozen=True)
class Redirect:
    """Come back to the gateway with ``event`` (``no_input`` after a silent Gather or Record,
    ``redirect`` to keep a waiting caller company) for ``step``."""

    step: int
    event: str


@dataclass(frozen=True)
class Hangup:
    pass


Action = Say | Play | Pause | Gather | Record | Dial | Enqueue | Redirect | Hangup

_KINDS: dict[str, type[Any]] = {
    cls.__name__.lower(): cls
    for cls in (Say, Play, Pause, Gather, Record, Dial, Enqueue, Redirect, Hangup)
}


WAITED_ON = 1  # a Job's priority when a caller waits for its result now (a read-back)


@dataclass(frozen=True)
class Job:
    """Work done outside the webhook.

    ``key`` is unique per piece of work, so a queue never runs it twice. ``with_step``: the
    job must be committed in the same transaction that saves the call's new state (``submit``:
    the caller hears "received" only once the report is in the outbox); other jobs run after
    the response is sent, and report back with ``Event.job_result(key, data)``.
    """

    name: str
    key: str
    step: int
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)
    # Jobs are run highest priority first: WAITED_ON when a caller waits for the result now.
    priority: int = 0
    with_step: bool = False


def action_to_dict(action: Action) -> dict[str, Any]:
    raw: dict[str, Any] = {"kind": type(action).__name__.lower()}
    for name in field_names(type(action)):
        value = getattr(action, name)
        if name == "prompts":
            value = [action_to_dict(p) for p in value]
        elif name == "values":
            value = [list(pair) for pair in value]
        elif isinstance(value, tuple):
            value = list(value)
        raw[name] = value
    return raw


def action_from_dict(raw: Mapping[str, Any]) -> Action:
    cls = _KINDS[raw["kind"]]
    kwargs: dict[str, Any] = {}
    for name in field_names(cls):
        if name not in raw:
            continue
        value = raw[name]
        if name == "prompts":
            value = tuple(action_from_dict(p) for p in value)
        elif name == "values":
            value = tuple((str(k), str(v)) for k, v in value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[name] = value
    action: Action = cls(**kwargs)
    return action
