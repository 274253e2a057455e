"""What a caller waiting in the operator queue hears, one round at a time: the answer to the
``<Enqueue>``'s ``waitUrl``, ``POST /twilio/voice/queue/wait``.

Twilio requests the waitUrl when the caller enters the queue and again each time its TwiML has
finished, with ``QueueTime`` (the whole seconds they have waited). A round is
:data:`HOLD_PAUSE` seconds of silence and then, in the caller's language, "Thank you for
waiting. Please stay on the line…" (``common.queue_wait``); silence first, because the caller
has just heard "Please hold while I connect you with a person." Once a whole round would take
the caller past ``IVR_OPERATOR_WAIT_SECONDS``, they hear silence for the seconds left and then
``<Leave>``: Twilio takes them out of the queue and requests the ``<Enqueue>`` action with
``QueueResult=leave``, which the engine takes as a transfer nobody answered (the transfer
state's ``failed`` transition: "no one can take your call right now", or the report they gave
being sent). A ``<Pause>`` keeps the gateway off any third-party URL (Twilio's hold music).
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.dialog.actions import Pause, Prompt, Say

HOLD_PAUSE = 20  # seconds of silence between two "please stay on the line"
PROMPT = "common.queue_wait"
WORDS_PER_SECOND = 2.5  # a telephone voice's pace, to know how long the prompt takes


@dataclass(frozen=True)
class QueueRound:
    """What the caller hears next in the queue, and whether they then leave it."""

    prompts: tuple[Prompt, ...]
    leave: bool


def next_round(queue_time: int, limit: int, language: str, prompt_text: str) -> QueueRound:
    """The round after ``queue_time`` seconds in the queue, for a caller who may wait ``limit``
    seconds; ``prompt_text`` is the prompt's words in their language (to know its length)."""
    said = max(1.0, len(prompt_text.split()) / WORDS_PER_SECOND)
    if queue_time + HOLD_PAUSE + said < limit:
        return QueueRound((Pause(seconds=HOLD_PAUSE), Say(PROMPT, language=language)), False)
    left = limit - queue_time
    return QueueRound((Pause(seconds=left),) if left >= 1 else (), True)
