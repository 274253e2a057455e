"""The leased work a process runs, by its role, assembled from its runtime's collaborators.

Each process of the gateway has a :data:`WorkRole`: ``ivr worker`` (and the tests) run all of
the work, a web process of ``ivr serve`` its share beside the recognition workers, and a
recognition worker only the recognition jobs. By that role, this module makes what
:class:`ivr.runtime.Runtime` keeps once per process: the job handlers, the kinds of job its loops
take, the loops themselves (:class:`ivr.leases.WorkLoops`), and the warm-up of what the first
caller would otherwise wait for. Each function is given the runtime (as a :class:`WorkContext`)
and takes from it only the collaborators its role needs, so that a process builds nothing else
(a recognition worker never makes the city's client).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from flows.catalogue import Catalogue
    from ivr.addresses.geocoder import GazetteerGeocoder
    from ivr.addresses.keyed_streets import KeyedStreets
    from ivr.addresses.types import AddressResolver
    from ivr.dialog.events import Event
    from ivr.followup.handlers import CityReader
    from ivr.jobs.runner import Handler, JobKinds
    from ivr.leases import Round, WorkLoops
    from ivr.open311.client import Open311Client
    from ivr.settings import Settings
    from ivr.webhooks.calls import CallDesk
    from ivr.webhooks.holding import HoldSlots

# Which leased work a process runs (see :func:`work_loops`): everything (``ivr worker``, tests),
# a web process's share beside recognition workers, or a recognition worker's.
WorkRole = Literal["all", "web", "recognition"]
RECOGNITION_JOBS = frozenset({"transcribe"})


class WorkContext(Protocol):
    """What the leased work is assembled from (:class:`ivr.runtime.Runtime` has it)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...

    @property
    def work_role(self) -> WorkRole: ...

    @property
    def catalogues(self) -> Mapping[str, Catalogue]: ...

    @property
    def city(self) -> Open311Client: ...

    @property
    def city_reads(self) -> CityReader: ...

    @property
    def gazetteer(self) -> GazetteerGeocoder: ...

    @property
    def resolver(self) -> AddressResolver: ...

    @property
    def keyed_streets(self) -> KeyedStreets: ...

    @property
    def desk(self) -> CallDesk: ...

    @property
    def hold_slots(self) -> HoldSlots: ...

    @property
    def job_handlers(self) -> Mapping[str, Handler]: ...

    @property
    def job_kinds(self) -> JobKinds: ...

    def twilio(self) -> Any: ...


def job_handlers(rt: WorkContext) -> dict[str, Handler]:
    """Every job handler the gateway runs, by job name: status by phone and the duplicate check
    ask the city; recordings are transcribed by the configured recogniser (with Twilio's cloud
    speech, the job only records why there is no transcript)."""
    from ivr.followup.handlers import follow_up_handlers
    from ivr.recordings.transcription import not_transcribed, transcriber_for

    settings = rt.settings
    handlers: dict[str, Handler] = dict(
        follow_up_handlers(settings, rt.city_reads, rt.sessions, rt.catalogues)
    )
    if settings.recognizer == "twilio":
        handlers["transcribe"] = not_transcribed
    elif rt.work_role != "web":  # a web process never decodes, so never loads a model
        handlers["transcribe"] = transcriber_for(
            settings,
            gazetteer=rt.gazetteer,
            resolver=rt.resolver,
            languages=tuple(rt.catalogues),
        )
    return handlers


def job_kinds(role: WorkRole) -> JobKinds:
    """The kinds of job the loop of a process of ``role`` takes."""
    from ivr.jobs.runner import JobKinds

    return {
        "all": JobKinds(),
        "web": JobKinds(besides=RECOGNITION_JOBS),
        "recognition": JobKinds(only=RECOGNITION_JOBS),
    }[role]


def warm_up(rt: WorkContext) -> None:
    """Ready on a thread of its own what the first caller would otherwise wait seconds for:
    the recogniser (its model, the city's address grammar) where the process decodes, the
    gazetteer's index in a web process (the dialog places keyed addresses with it). Work that
    comes sooner waits for the load."""
    import threading

    from ivr.recordings.transcription import warm_up_in_background

    if rt.work_role == "web":
        # The index, then the keyed streets' table made from it (a second for a city of a
        # million points), before a caller keys a street's letters.
        load = threading.Thread(
            target=rt.keyed_streets.ready, name="voice311-gazetteer", daemon=True
        )
        load.start()
        return
    if rt.work_role == "recognition":  # and say so to the web processes of ``ivr serve``
        from ivr.health.recognition_ready import warm_up_and_announce

        warm_up_and_announce(rt.job_handlers)
        return
    warm_up_in_background(rt.job_handlers)


def work_loops(rt: WorkContext) -> WorkLoops:
    """The leased work of the process, by its ``work_role``; nothing runs until ``start()``.

    - ``all`` (``ivr worker``): one thread delivers the outbox to the city, exchanges batch
      tokens for ids and, with ``IVR_SMS_FROM``, sends the text messages whose id is now known;
      two threads run jobs of every kind (a caller may be waiting on one, so they never wait
      behind a delivery); one thread keeps house (``ivr.housekeeping``: stale calls ended,
      personal data past ``IVR_RETENTION_DAYS`` erased).
    - ``web`` (``ivr serve`` beside its recognition workers): the same, but its job threads
      take only the quick jobs; a web process never decodes.
    - ``recognition`` (the workers ``ivr serve`` starts): one thread, recognition jobs only,
      looking for one every 0.1 s (another process queued it, so no wake reaches this one)."""
    from ivr.jobs.runner import run_due_jobs
    from ivr.leases import WorkLoop, WorkLoops

    jobs = functools.partial(
        run_due_jobs,
        rt.sessions,
        rt.job_handlers,
        functools.partial(_report_job, rt),
        clock=rt.clock,
        kinds=rt.job_kinds,
    )
    if rt.work_role == "recognition":
        return WorkLoops(WorkLoop("jobs", [jobs], threads=1, interval=0.1))
    return WorkLoops(
        WorkLoop("outbox", _outbox_rounds(rt), threads=1, interval=2.0),
        WorkLoop("jobs", [jobs], threads=2, interval=0.5),
        WorkLoop("housekeeping", _housekeeping_rounds(rt), threads=1, interval=60.0),
    )


def _report_job(rt: WorkContext, call_sid: str, event: Event) -> None:
    """A job's result, applied to its call; a webhook of this process holding for it is
    woken at once (ivr.webhooks.holding), not at the hold watcher's next look."""
    rt.desk.report_job(call_sid, event)
    rt.hold_slots.look_now()


def _housekeeping_rounds(rt: WorkContext) -> list[Round]:
    """Stale calls ended and, with ``IVR_RETENTION_DAYS``, old personal data erased."""
    from ivr.housekeeping.rounds import housekeeping_rounds

    return housekeeping_rounds(rt.settings, rt.sessions, rt.desk, clock=rt.clock, twilio=rt.twilio)


def _outbox_rounds(rt: WorkContext) -> list[Round]:
    """Reports delivered, batch tokens exchanged, texts sent (``ivr.outbox.rounds``)."""
    from ivr.outbox.rounds import outbox_rounds

    return outbox_rounds(
        rt.settings, rt.sessions, rt.city, rt.catalogues, clock=rt.clock, twilio=rt.twilio
    )
