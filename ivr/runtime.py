"""The gateway built in one place: every collaborator, made once per process from the settings.

``Runtime`` is what the web app, ``ivr serve`` and ``ivr worker`` share. Each collaborator is a
cached property, built on first use, so a command that needs only the store builds only the
store; a web process and a worker process build the same things the same way. Nothing here
imports a blueprint or the app: views reach the runtime through :func:`current_runtime`.

What a process's leased work is, by its ``work_role`` (its job handlers, the kinds of job it
takes, its loops and its warm-up), is assembled in :mod:`ivr.work_roles`; the runtime keeps each
once.

Tests give a collaborator of their own (a clock, the HTTP client that reaches the city) as a
keyword of the constructor, or set a cached property before its first use (the city's client
of a test server whose port is known only once the app serves); everything else is built from
the settings as in service.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from flask import current_app
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ivr import work_roles
from ivr.clock import utc_now
from ivr.settings import Settings
from ivr.store.db import make_engine, make_sessionmaker
from ivr.work_roles import WorkRole

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from flows.catalogue import Catalogue
    from ivr.addresses.geocoder import GazetteerGeocoder
    from ivr.addresses.keyed_streets import KeyedStreets
    from ivr.addresses.types import AddressResolver
    from ivr.dashboard.context import StaffState
    from ivr.dialog.flow_library import FlowLibrary
    from ivr.followup.handlers import CityReader
    from ivr.handoff.book import HandoffBook
    from ivr.handoff.desk import HandoffDesk
    from ivr.jobs.runner import Handler, JobKinds
    from ivr.leases import WorkLoops
    from ivr.open311.catalogue import ServiceCatalogue
    from ivr.open311.client import Open311Client
    from ivr.opendata.stream_slots import StreamSlots
    from ivr.webhooks.calls import CallDesk
    from ivr.webhooks.holding import HoldSlots
    from ivr.webhooks.security import SignatureCheck
    from ivr.webhooks.twiml import RenderedTwiml

EXTENSION = "voice311"  # the key of the runtime in ``app.extensions``
# A process's leased-work threads (``ivr.work_roles``: outbox 1, jobs 2, housekeeping 1) and
# its warm-up.
WORKER_THREADS = 5


def store_engine(settings: Settings, *, create_file: bool = True) -> Engine:
    """The engine of the settings' store, with a connection for every web thread and for the
    process's worker threads. ``create_file=False`` for a process that needs a store made
    before (the commands, ``ivr worker``): a SQLite file that does not exist is named when
    first used, not created (:func:`ivr.store.db.make_engine`)."""
    connections = settings.web_threads + WORKER_THREADS
    return make_engine(settings.database_url, connections=connections, create_file=create_file)


class Runtime:
    """The settings, the store, and every collaborator built from them (once each)."""

    def __init__(
        self,
        settings: Settings,
        *,
        engine: Engine | None = None,
        clock: Callable[[], datetime] = utc_now,
        city_http: httpx.Client | None = None,
        work_role: WorkRole = "all",
    ) -> None:
        self.settings = settings
        self.engine = engine or store_engine(settings)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        self.clock = clock
        self._city_http = city_http
        self._mounted: WSGIApplication | None = None
        self.work_role = work_role

    # -- prompts, flows and the call desk ------------------------------------------------------

    @functools.cached_property
    def catalogues(self) -> Mapping[str, Catalogue]:
        """The prompt catalogues, by language (loaded once)."""
        from flows.catalogue import load_catalogues

        return load_catalogues()

    @functools.cached_property
    def flows(self) -> FlowLibrary:
        """Every flow; with a city endpoint, the intake is generated from the city's own
        service list, fetched once here (a webhook never waits on the network). With
        ``IVR_RECORDING_NOTICE`` off, no flow speaks the recording notice."""
        from flows.recording_notice import without_notice
        from ivr.dialog.flow_library import FlowLibrary, city_flow_library

        library = city_flow_library(self.settings, self.catalogues, self.city)
        if self.settings.recording_notice:
            return library
        flows = {name: without_notice(flow) for name, flow in library.flows.items()}
        return FlowLibrary(flows=flows, catalogues=library.catalogues)

    @functools.cached_property
    def rendered_twiml(self) -> RenderedTwiml:
        """The TwiML documents every caller hears alike, rendered once (ivr/webhooks/twiml.py)."""
        from ivr.webhooks.twiml import RenderedTwiml

        return RenderedTwiml(self.flows.catalogues)

    @functools.cached_property
    def gazetteer(self) -> GazetteerGeocoder:
        """The process's gazetteer geocoder: one index in memory of the datasets the settings
        choose (``IVR_GAZETTEER_DATASETS``; built on first use, rebuilt after an import or a
        drop), shared by the address resolver and the transcription jobs."""
        from ivr.addresses.dataset_choice import DatasetChoice
        from ivr.addresses.geocoder import GazetteerGeocoder

        snapshots = Path(self.settings.models_dir) / "gazetteer-index"
        choice = DatasetChoice.from_settings(self.settings)
        return GazetteerGeocoder.from_engine(self.engine, snapshots=snapshots, choice=choice)

    @functools.cached_property
    def resolver(self) -> AddressResolver:
        """The address resolver ``IVR_GEOCODER`` names: the gazetteer or a remote geocoder."""
        from ivr.addresses.factory import make_resolver

        return make_resolver(self.settings, gazetteer=lambda: self.gazetteer)

    @functools.cached_property
    def keyed_streets(self) -> KeyedStreets:
        """The streets by the letters a caller keys. They come from the city's own address
        points, whichever resolver places the street chosen."""
        from ivr.addresses.keyed_streets import KeyedStreets

        return KeyedStreets(lambda: self.gazetteer.index)

    @functools.cached_property
    def desk(self) -> CallDesk:
        """Steps every call of this process through the configured flow."""
        from ivr.dialog.context import DialogContext, TransferTarget
        from ivr.webhooks.calls import CallDesk

        settings = self.settings
        context = DialogContext(
            catalogues=self.flows.catalogues,
            resolver=self.resolver,
            streets=self.keyed_streets,
            transfers={
                "operator": TransferTarget(
                    number=settings.operator_number, queue=settings.operator_queue
                )
            },
            texts=bool(settings.sms_from),
            duplicates=settings.duplicate_radius_metres > 0,
        )
        return CallDesk(
            self.sessions,
            self.flows.flow(settings.flow),
            context,
            city=settings.geocoder_city,
            region=settings.geocoder_region,
            clock=self.clock,
        )

    # -- the city and Twilio -------------------------------------------------------------------

    @functools.cached_property
    def city(self) -> Open311Client:
        """The Open311 client of the city's endpoint; with none set, of the embedded endpoint,
        reached in-process through the app :meth:`mount` gave (never over HTTP to this
        gateway itself: a job would need one of the web threads its callers are holding)."""
        from ivr.open311.client import Open311Client, make_http_client, make_in_process_client

        if self._city_http is not None:
            http = self._city_http
        elif self.settings.open311_endpoint:
            http = make_http_client(self.settings)
        else:
            http = make_in_process_client(self.settings, self._serve_in_process)
        return Open311Client.from_settings(self.settings, http)

    @functools.cached_property
    def city_reads(self) -> CityReader:
        """What the follow-up jobs read of the city: the city's endpoint through :attr:`city`;
        with none set, the embedded endpoint's store, read directly (``EmbeddedReads``: the
        same answers as its HTTP ones, without a request through the app)."""
        if self._city_http is not None or self.settings.open311_endpoint:
            return self.city
        from ivr.open311.embedded_reads import EmbeddedReads

        return EmbeddedReads(self.sessions, self.clock)

    def mount(self, app: WSGIApplication) -> None:
        """The WSGI app serving this runtime (``create_app`` mounts the one it makes): the
        embedded endpoint's in-process client hands its requests to it."""
        self._mounted = app

    def _serve_in_process(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        app = self._mounted
        if app is None:  # a process that built no app: its deliveries wait, nothing is lost
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [b'[{"code": 503, "description": "the embedded endpoint is not mounted"}]']
        return app(environ, start_response)

    def twilio(self) -> Any:
        """A twilio REST ``Client`` (made when needed: a gateway without an account has none;
        ``TwilioNotConfigured`` says so)."""
        from ivr.twilio_rest import make_twilio_client

        return make_twilio_client(self.settings)

    # -- staff handoffs ------------------------------------------------------------------------

    @functools.cached_property
    def handoff_book(self) -> HandoffBook:
        from ivr.handoff.book import HandoffBook

        return HandoffBook(self.sessions)

    @functools.cached_property
    def handoffs(self) -> HandoffDesk:
        from ivr.handoff.desk import HandoffDesk

        return HandoffDesk(
            self.settings,
            self.desk,
            self.handoff_book,
            self.twilio,
            languages=tuple(self.flows.catalogues),
            clock=self.clock,
        )

    # -- jobs ----------------------------------------------------------------------------------

    @functools.cached_property
    def job_handlers(self) -> Mapping[str, Handler]:
        """Every job handler this process runs, by job name (:func:`ivr.work_roles.job_handlers`:
        the follow-up jobs ask the city; recordings are transcribed where this process decodes)."""
        return work_roles.job_handlers(self)

    def warm_up(self) -> None:
        """Ready on a thread of its own what the first caller would otherwise wait seconds for,
        by this process's role (:func:`ivr.work_roles.warm_up`)."""
        work_roles.warm_up(self)

    def build_for_web(self) -> None:
        """Build now what the webhooks and the embedded endpoint use, so that no caller's first
        webhook waits for it: the flows (with a city endpoint, its service list comes over the
        network), the call desk, the signature check, and the embedded endpoint's services (a
        bad services file stops the start instead of answering a 500 later)."""
        _ = (self.desk, self.signature_check, self.embedded_services)

    # -- the web side ---------------------------------------------------------------------------

    @functools.cached_property
    def hold_slots(self) -> HoldSlots:
        """How many of this process's webhooks may hold for a transcript at once, and how
        long each may hold."""
        from ivr.webhooks.holding import HoldSlots

        return HoldSlots.for_threads(
            self.settings.web_threads, self.settings.transcript_hold, self.desk.still_awaiting
        )

    @functools.cached_property
    def signature_check(self) -> SignatureCheck:
        """How every Twilio webhook's signature is checked."""
        from ivr.webhooks.security import SignatureCheck

        return SignatureCheck.from_settings(self.settings)

    def wake_work(self, loop: str, jobs: Iterable[str] = ()) -> None:
        """A webhook filed a report (``loop="outbox"``) or queued ``jobs`` (by name,
        ``loop="jobs"``): that loop of this process, if it runs one, looks at once, and for
        jobs only when it takes one of their kinds (a web process's job threads would wake for
        nothing on a recording to transcribe, which a recognition worker takes). One of the
        loop's threads wakes for each wake: one job does not need two. Nothing is built here
        for a process that runs no loop."""
        work = self.__dict__.get("work")
        if work is None:
            return
        if loop == "jobs" and not any(self.job_kinds.takes(name) for name in jobs):
            return
        work.wake(loop)

    @functools.cached_property
    def job_kinds(self) -> JobKinds:
        """The kinds of job this process's loop takes, by its ``work_role``."""
        return work_roles.job_kinds(self.work_role)

    # -- the web pages' per-process state ------------------------------------------------------

    @functools.cached_property
    def staff(self) -> StaffState:
        """The staff dashboard's per-process state: the failed log-in counter, the session
        limits and the HTTP client that fetches recordings (it follows no redirects)."""
        from ivr.dashboard.context import StaffState

        return StaffState.from_settings(self.settings, self.clock)

    @functools.cached_property
    def embedded_services(self) -> ServiceCatalogue:
        """The services the embedded GeoReport v2 endpoint offers (``IVR_SERVICES_FILE``, read
        once)."""
        from ivr.open311.catalogue import load_service_catalogue

        return load_service_catalogue(self.settings.services_path)

    @functools.cached_property
    def stream_slots(self) -> StreamSlots:
        """The cap on the open data event streams this process holds open at once."""
        from ivr.opendata.stream_slots import StreamSlots

        return StreamSlots(self.settings.feed_max_streams)

    # -- leased work ---------------------------------------------------------------------------

    @functools.cached_property
    def work(self) -> WorkLoops:
        """The leased work this process runs, by its ``work_role``
        (:func:`ivr.work_roles.work_loops`). Built on first use; nothing runs until
        ``start()``."""
        return work_roles.work_loops(self)


def current_runtime() -> Runtime:
    """The runtime of the app serving this request."""
    rt: Runtime = current_app.extensions[EXTENSION]
    return rt
