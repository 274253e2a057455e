"""Actions → TwiML. The only place in voice311 that writes TwiML, and only through the twilio
library's ``VoiceResponse``.

Prompts are looked up in the catalogue of the language each Say carries and spoken with that
catalogue's ``say_language`` (en-US, es-MX) as the ``language`` attribute; a Gather listens for
speech in the call's language the same way.

Silence: Twilio continues with the next verb when a ``<Gather>`` or ``<Record>`` ends without
input. Every Gather and Record the engine emits is followed by a ``<Redirect>`` to the
``no_input`` URL of the same step, so silence always comes back to the engine, which decides
between asking again and handing the caller to a person. (``actionOnEmptyResult`` is left off:
one silence path, the same for Gather and Record.)

URLs come from the caller of :func:`render_twiml` as ``urls(event, step)``, with ``event`` one of
``gather``, ``no_input``, ``recording``, ``recording_status``, ``dial``, ``whisper`` (a Dial's
``<Number url>``, played to the person who answers), ``queue_wait`` (an Enqueue's ``waitUrl``,
requested again and again while the caller waits) and ``redirect``. Every verb posts back
(``method="POST"``) so that webhooks are signed alike.

Staff's side of a handoff is rendered here too: :func:`render_whisper` (what a person hears
before the caller is connected) and :func:`render_take_next` (the agents' TwiML that takes the
next caller from a queue), and what a queued caller hears while waiting,
:func:`render_queue_wait`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from twilio.twiml.voice_response import Gather as GatherVerb
from twilio.twiml.voice_response import VoiceResponse

from flows.catalogue import Catalogue
from ivr.dialog.actions import (
    Action,
    Dial,
    Enqueue,
    Gather,
    Hangup,
    Pause,
    Play,
    Prompt,
    Record,
    Redirect,
    Say,
)

StepUrls = Callable[[str, int], str]
# The values a prompt may speak that come from the flow and the city's service list, never
# from a caller: a document whose values are all of these is the same for every caller.
FLOW_VALUES = frozenset({"key", "name", "question", "service", "notice", "city_language"})


class RenderError(ValueError):
    """An action cannot be rendered (a prompt missing from a catalogue)."""


def render_twiml(
    actions: Sequence[Action], *, catalogues: Mapping[str, Catalogue], urls: StepUrls
) -> str:
    """The TwiML document for ``actions``."""
    response = VoiceResponse()
    for action in actions:
        _render_one(response, action, catalogues, urls)
    return str(response)


class RenderedTwiml:
    """TwiML documents rendered once and kept, by their actions and the base of their URLs.

    In a storm most webhooks answer with a menu or a question that every caller hears alike,
    their URLs differing only by the step's number, and rendering a document through the
    twilio library's builder costs a webhook about a fifth of a millisecond (docs/serving.md).
    A document is kept only when it is the same for every caller: the values its prompts
    speak are all the flow's or the city's own (:data:`FLOW_VALUES`: a menu's names and keys,
    which are services, answers or the city's street names; a question; the service; the
    city's notice). One that speaks what a caller said or was given (an address, a date, a
    reference number) or dials a person (its whisper URL names the call) is rendered every
    time and never kept, so no caller's words stay in this process's memory. At most ``size``
    documents are kept; when full, the store is emptied and fills again with what callers
    hear now.
    """

    def __init__(self, catalogues: Mapping[str, Catalogue], size: int = 4096) -> None:
        self._catalogues = catalogues
        self._size = size
        self._kept: dict[tuple[str, Sequence[Action]], str] = {}

    @property
    def kept(self) -> int:
        """How many documents are kept now."""
        return len(self._kept)

    def render(self, actions: tuple[Action, ...], urls: StepUrls, base: str) -> str:
        """The document for ``actions`` with ``urls`` (whose URLs depend on ``base`` and the
        step alone), kept when it may be (see the class's docstring)."""
        key = (base, actions)
        found = self._kept.get(key)  # only a keepable document is ever kept
        if found is not None:
            return found
        found = render_twiml(actions, catalogues=self._catalogues, urls=urls)
        if _keepable(actions):
            if len(self._kept) >= self._size:
                self._kept.clear()
            self._kept[key] = found
        return found


def _keepable(actions: Sequence[Action]) -> bool:
    """Whether a document of ``actions`` is the same for every caller who gets them."""
    for action in actions:
        if isinstance(action, Dial):
            return False
        prompts = action.prompts if isinstance(action, Gather) else (action,)
        for prompt in prompts:
            if isinstance(prompt, Say) and any(
                name not in FLOW_VALUES for name, _ in prompt.values
            ):
                return False
    return True


def say_text(say: Say, catalogues: Mapping[str, Catalogue]) -> tuple[str, Catalogue]:
    """The words of a Say and the catalogue (language) they are spoken in."""
    catalogue = catalogues.get(say.language)
    if catalogue is None:
        raise RenderError(f"no catalogue for language {say.language!r}")
    if say.key not in catalogue.prompts:
        raise RenderError(f"prompt {say.key!r} is not in catalogue {catalogue.source}")
    return catalogue.text(say.key, dict(say.values)), catalogue


def _prompt(
    parent: VoiceResponse | GatherVerb, prompt: Prompt, catalogues: Mapping[str, Catalogue]
) -> None:
    if isinstance(prompt, Say):
        text, catalogue = say_text(prompt, catalogues)
        parent.say(text, language=catalogue.say_language, voice=catalogue.voice or None)
    elif isinstance(prompt, Play):
        parent.play(prompt.url)
    else:
        parent.pause(length=prompt.seconds)


def _render_one(
    response: VoiceResponse,
    action: Action,
    catalogues: Mapping[str, Catalogue],
    urls: StepUrls,
) -> None:
    if isinstance(action, Say | Play | Pause):
        _prompt(response, action, catalogues)
    elif isinstance(action, Gather):
        catalogue = catalogues.get(action.language)
        gather = response.gather(
            input=" ".join(action.input),
            action=urls("gather", action.step),
            method="POST",
            timeout=action.timeout,
            num_digits=action.num_digits,
            finish_on_key=action.finish_on_key,
            speech_timeout="auto" if "speech" in action.input else None,
            language=catalogue.say_language if catalogue else None,
            hints=", ".join(action.hints) if action.hints else None,
        )
        for prompt in action.prompts:
            _prompt(gather, prompt, catalogues)
    elif isinstance(action, Record):
        response.record(
            action=urls("recording", action.step),
            method="POST",
            max_length=action.max_length,
            timeout=action.timeout,
            finish_on_key=action.finish_on_key,
            play_beep=action.play_beep,
            recording_status_callback=(
                urls("recording_status", action.step) if action.status_callback else None
            ),
            recording_status_callback_method="POST" if action.status_callback else None,
        )
    elif isinstance(action, Dial):
        dial = response.dial(
            action=urls("dial", action.step), method="POST", timeout=action.timeout
        )
        # The person who answers hears the whisper (url) before the caller is connected.
        dial.number(action.number, url=urls("whisper", action.step), method="POST")
    elif isinstance(action, Enqueue):
        response.enqueue(
            action.queue,
            action=urls("dial", action.step),
            method="POST",
            wait_url=urls("queue_wait", action.step),
            wait_url_method="POST",
        )
    elif isinstance(action, Redirect):
        response.redirect(urls(action.event, action.step), method="POST")
    elif isinstance(action, Hangup):
        response.hangup()
    else:  # pragma: no cover - Action is a closed union
        raise RenderError(f"cannot render {type(action).__name__}")


def render_whisper(text: str) -> str:
    """What the person taking a call hears before the caller is connected (in English)."""
    response = VoiceResponse()
    if text:
        response.say(text, language="en-US")
    return str(response)


def render_take_next(whisper: str, queue: str, dequeued_url: str) -> str:
    """The agents' TwiML: the whisper of the caller at the head of ``queue``, then
    ``<Dial><Queue url>``, whose url Twilio runs on the dequeued caller's side."""
    response = VoiceResponse()
    if whisper:
        response.say(whisper, language="en-US")
    dial = response.dial()
    dial.queue(queue, url=dequeued_url, method="POST")
    return str(response)


def render_queue_wait(
    prompts: Sequence[Prompt], *, leave: bool, catalogues: Mapping[str, Catalogue]
) -> str:
    """An Enqueue's waitUrl answer: ``prompts`` for the queued caller, then ``<Leave>`` (out
    of the queue: Twilio requests the Enqueue's action with ``QueueResult=leave``) if
    ``leave``."""
    response = VoiceResponse()
    for prompt in prompts:
        _prompt(response, prompt, catalogues)
    if leave:
        response.leave()
    return str(response)
