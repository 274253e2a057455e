"""What the gateway counts and times, and the one-line observations its code makes.

The metric objects are made once per process, on first use, and registered nowhere globally:
the ``/metrics`` view builds a registry per scrape (:mod:`ivr.metrics.exposition`). Under
``ivr serve`` prometheus-client's multiprocess mode is chosen by ``PROMETHEUS_MULTIPROC_DIR``,
which prometheus-client reads when it is imported: so it is imported here only when the first
metric is made, after ``ivr serve`` has set the directory (:mod:`ivr.metrics.multiprocess`).
Every process then writes its values to a file of that directory, and a scrape adds them up.

Labels take values from small fixed sets that the code names (a step's kind, an engine's
kind, a call's outcome, an Open311 operation, an HTTP status code), never a call SID, a phone
number or anything a caller said.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from flows.model import StateType

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram

    from flows.model import Flow
    from ivr.dialog.state import CallState

# Webhooks answer in milliseconds; one that holds for a transcript takes up to
# ``IVR_TRANSCRIPT_HOLD`` (1.5 s by default); Twilio gives up at 15 s.
WEBHOOK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0, 15.0)
# A decode: Whisper tiny.en about 0.4 s an utterance, PocketSphinx less, a minute of free
# speech a few seconds.
RECOGNITION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
REAL_TIME_FACTOR_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.5)


@dataclass(frozen=True)
class Instruments:
    """The process's metric objects (docs/operations.md describes each)."""

    calls_ended: Counter
    webhook_seconds: Histogram
    recognition_seconds: Histogram
    real_time_factor: Histogram
    city_responses: Counter
    reports_filed: Counter

    def all(self) -> tuple[Any, ...]:
        return tuple(getattr(self, field.name) for field in fields(self))


_made: Instruments | None = None
_making = threading.Lock()


def instruments() -> Instruments:
    """The metric objects, made on first use (see the module's docstring) by exactly one
    thread: a web process's threads take their first requests together, and two sets of
    objects over one multiprocess file would each count from what the file held when it was
    made, so one would overwrite the other's counts."""
    global _made
    made = _made
    if made is None:
        with _making:
            if _made is None:
                _made = _make_instruments()
            made = _made
    return made


def forget_instruments() -> None:
    """Make the metric objects anew on next use (after the way values are kept has changed)."""
    global _made
    with _making:
        _made = None


def _make_instruments() -> Instruments:
    from prometheus_client import Counter, Histogram, disable_created_metrics

    disable_created_metrics()  # no ``_created`` series beside each count: they say nothing here
    return Instruments(
        calls_ended=Counter(
            "voice311_calls_ended",
            "Calls that ended, by outcome: filed (a report was committed), transferred (to a "
            "person), abandoned (the caller hung up first), ended (the flow ended without a "
            "report).",
            ["outcome"],
            registry=None,
        ),
        webhook_seconds=Histogram(
            "voice311_webhook_seconds",
            "Seconds a Twilio webhook took to answer, by the kind of step.",
            ["step"],
            buckets=WEBHOOK_BUCKETS,
            registry=None,
        ),
        recognition_seconds=Histogram(
            "voice311_recognition_seconds",
            "Seconds one engine took to decode one recording (loading excluded), by engine.",
            ["engine"],
            buckets=RECOGNITION_BUCKETS,
            registry=None,
        ),
        real_time_factor=Histogram(
            "voice311_recognition_real_time_factor",
            "Decode time divided by the recording's length, by engine (below 1: faster than "
            "speech).",
            ["engine"],
            buckets=REAL_TIME_FACTOR_BUCKETS,
            registry=None,
        ),
        city_responses=Counter(
            "voice311_city_responses",
            "Answers from the city's Open311 endpoint, by operation and HTTP status code "
            "('none' when no answer came: a timeout or a connection error).",
            ["operation", "code"],
            registry=None,
        ),
        reports_filed=Counter(
            "voice311_reports_filed",
            "Reports the city now holds (filed by the outbox, or found already filed there).",
            registry=None,
        ),
    )


CALL_OUTCOMES = ("filed", "transferred", "abandoned", "ended")
ENGINE_KINDS = ("whisper", "pocketsphinx", "vosk")
CITY_OPERATIONS = {
    "POST requests": "post_requests",
    "GET requests": "get_requests",
    "GET request": "get_request",
    "GET token": "get_token",
    "GET services": "get_services",
    "GET service definition": "get_service_definition",
    "GET discovery": "get_discovery",
}


def call_outcome(status: str, end_reason: str, *, at_transfer: bool = False) -> str:
    """A finished call's outcome label from its stored status (``completed`` when a report
    was committed, ``abandoned``, ``ended``), the flow's end reason, and whether it ended in
    a transfer state (the caller was put through to a person, and that call then ended)."""
    if status == "completed":
        return "filed"
    if at_transfer or end_reason.startswith("transfer"):
        return "transferred"
    if status == "abandoned":
        return "abandoned"
    return "ended"


def after_commit(session: Session, observe: Callable[[], object]) -> None:
    """Run ``observe`` once ``session``'s transaction commits (never on a rollback), so a
    count follows what the store holds."""
    event.listen(session, "after_commit", lambda _session: observe(), once=True)


def count_call_end(status: str, state: CallState, flow: Flow) -> None:
    """A call's end (``status`` as stored, ``state`` its last state in ``flow``); counted by
    its caller once the end is committed, so a count follows what the store holds."""
    current = flow.states.get(state.current)
    at_transfer = current is not None and current.type is StateType.TRANSFER
    outcome = call_outcome(status, state.end_reason, at_transfer=at_transfer)
    instruments().calls_ended.labels(outcome=outcome).inc()


def count_report_filed(session: Session) -> None:
    """A report the city now holds, counted once that is committed."""
    after_commit(session, instruments().reports_filed.inc)


def count_city_answer(what: str, status_code: int | None) -> None:
    """One answer (or none) from the city's endpoint to ``what`` (the client's own name of
    the operation, e.g. ``POST requests``)."""
    operation = CITY_OPERATIONS.get(what, "other")
    code = str(status_code) if status_code is not None and 100 <= status_code <= 599 else "none"
    instruments().city_responses.labels(operation=operation, code=code).inc()


def observe_recognition(heard: Iterable[tuple[str, float]], audio_seconds: float) -> None:
    """Each engine's decode of one recording: ``(engine name, seconds)`` pairs. The label is
    the engine's kind (``whisper tiny.en`` and ``pocketsphinx:en-us`` count as ``whisper``
    and ``pocketsphinx``)."""
    for name, seconds in heard:
        kind = name.replace(":", " ").split()[0].lower() if name.strip() else "other"
        engine = kind if kind in ENGINE_KINDS else "other"
        instruments().recognition_seconds.labels(engine=engine).observe(seconds)
        if audio_seconds > 0:
            instruments().real_time_factor.labels(engine=engine).observe(seconds / audio_seconds)


def observe_webhook(step: str, seconds: float) -> None:
    instruments().webhook_seconds.labels(step=step).observe(seconds)
