"""Lookup behaviours for what follows a report: its status by phone, open requests like it
nearby, and the offer of a text message.

Asking the city is never done inside a webhook: :func:`request_status` and
:func:`find_duplicates` queue a job (if :func:`start_duplicate_check` has not already) and
return ``WAIT`` (the engine keeps the caller company) until the job's result is in the call's
slots. Each ask is remembered in a marker slot holding the job's key; once the answer has been
used the marker is dropped, so entering the state again (another reference number) asks again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.model import State
from ivr.dialog.actions import Job
from ivr.dialog.turn import Turn
from ivr.dialog.waiting import WAIT

STATUS_JOB = "request_status"
DUPLICATES_JOB = "find_duplicates"
# The slot a new call gets when the caller's number can receive a text message.
TEXTABLE_SLOT = "caller_textable"
STATUS_OUTCOMES = ("found", "received", "unknown", "failed")
DUPLICATE_OUTCOMES = ("found", "none", "failed")


def start_job(turn: Turn, name: str, data: Mapping[str, Any]) -> None:
    """Queue the job named ``name`` for this ask, unless one is asked already."""
    marker, result = f"{name}_job", f"{name}_outcome"
    if turn.slots.get(marker):
        return
    key = f"{turn.before.call_sid}:{turn.next_step}:{name}"
    turn.jobs.append(Job(name=name, key=key, step=turn.next_step, data=dict(data)))
    turn.pending[result] = key
    turn.slots[marker] = key
    turn.slots.pop(result, None)


def ask_job(turn: Turn, name: str, data: Mapping[str, Any]) -> str:
    """The outcome the job named ``name`` reported for this ask, or WAIT while it runs
    (queuing it first if it was not started). A job that failed outright reports ``failed``.
    The answer is used once: the next ask queues a new job."""
    marker, result = f"{name}_job", f"{name}_outcome"
    start_job(turn, name, data)
    if turn.slots[marker] in turn.pending.values():
        return WAIT
    slots = dict(turn.slots)
    slots.pop(marker)
    outcome = slots.pop(result, "") or "failed"
    turn.slots = slots
    return outcome


def request_status(turn: Turn, state: State) -> str:
    """Asks the city about the reference in the ``reference`` slot (a job)."""
    names = state.inputs.get("reference", ())
    reference = next((turn.slots[s] for s in names if turn.slots.get(s)), "")
    if not reference.strip() and not turn.slots.get(f"{STATUS_JOB}_job"):
        return "unknown"
    outcome = ask_job(turn, STATUS_JOB, {"reference": reference, "language": turn.language})
    return outcome if outcome in (*STATUS_OUTCOMES, WAIT) else "failed"


def _duplicate_query(turn: Turn) -> dict[str, Any] | None:
    """What the duplicate check asks about; None when it is off or has nothing to compare (a
    place without coordinates, or no service)."""
    location = turn.location
    if not turn.context.duplicates or not turn.service_code:
        return None
    if location is None or location.lat is None or location.lon is None:
        return None
    return {
        "service_code": turn.service_code,
        "lat": location.lat,
        "lon": location.lon,
        "near": location.spoken,
        "language": turn.language,
    }


def start_duplicate_check(turn: Turn, state: State) -> str:
    """Starts the duplicate check as soon as the place is confirmed, so that it runs while the
    caller describes the problem and nobody waits for it."""
    query = _duplicate_query(turn)
    if query is not None:
        start_job(turn, DUPLICATES_JOB, query)
    return "done"


def find_duplicates(turn: Turn, state: State) -> str:
    """The duplicate check's answer (waiting for it if it is still running): ``found``,
    ``none``, or ``failed`` when the city could not be reached."""
    query = _duplicate_query(turn)
    if query is None:
        return "none"
    outcome = ask_job(turn, DUPLICATES_JOB, query)
    return outcome if outcome in (*DUPLICATE_OUTCOMES, WAIT) else "failed"


def offer_text(turn: Turn, state: State) -> str:
    """``ask`` when the gateway sends texts and the caller's number can receive one."""
    if turn.context.texts and turn.slots.get(TEXTABLE_SLOT) == "yes":
        return "ask"
    return "skip"
