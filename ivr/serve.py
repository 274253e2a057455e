"""``ivr serve``: prepare the store, then run the WSGI app under gunicorn, with the recognition
workers beside it.

Preparing means: migrations to the newest revision, and the gazetteer prepared: the city's
address points (``IVR_GAZETTEER_FILE``) loaded, or, where no city is configured, the sample
gazetteer loaded into an empty one (with a warning), so that one command gives a working
gateway on a fresh machine; a gazetteer of several cities and no choice stops the start.

The serving model (docs/serving.md): gunicorn's ``gthread`` worker, ``IVR_WEB_THREADS`` threads
(32) per web process. A webhook does a few milliseconds of database work; the only one that
waits is a caller's step waiting for a transcript, which holds its thread for at most
``IVR_TRANSCRIPT_HOLD`` seconds, and only three quarters of the threads may hold at once
(``ivr.webhooks.holding``). Recognition runs in separate processes
(:mod:`ivr.jobs.processes`), so a web process never decodes; its own threads deliver the
outbox and run the quick jobs, and reach the embedded endpoint in-process.

How gunicorn is run (:func:`gunicorn_options`):

- its lines are the gateway's JSON lines (``logconfig_dict``); the access log is the app's own
  (:mod:`ivr.request_context`), so gunicorn's is off;
- ``X-Forwarded-Proto`` changes the request's scheme only with ``IVR_TRUST_PROXY_HEADERS``
  (gunicorn's default trusts it from 127.0.0.1, and the webhook signature is checked over the
  request's URL);
- "listening" is logged once the port is bound (``when_ready``);
- a stop (SIGTERM, what ``docker stop`` sends) ends within :data:`GRACEFUL_SECONDS`: open event
  streams are told to end (:mod:`ivr.stopping`), and the recognition workers are stopped at the
  same time as the web processes;
- no control socket: gunicorn's default is one path per user, shared by every instance;
- request lines up to 8,190 characters (gunicorn's most; its default is 4,094): ``GET
  requests`` takes up to 1,000 ``service_request_id``, and a thousand seven-digit ids need
  about 8,000; a longer line is gunicorn's 414 page.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger

from ivr.health.recognition_ready import expect_workers as expect_recognition_workers
from ivr.listening import listening_problem
from ivr.logs import dict_config
from ivr.metrics.multiprocess import gunicorn_child_exit
from ivr.metrics.multiprocess import use_directory as use_metrics_directory
from ivr.runtime import Runtime
from ivr.settings import Settings, env_name
from ivr.stopping import process_stopping
from ivr.store.db import upgrade
from ivr.work_roles import WorkRole

log = logging.getLogger(__name__)

# Seconds a web process has to finish its requests once told to stop; the rest of Docker's
# 10 s is for the recognition workers and the master.
GRACEFUL_SECONDS = 5
# The longest request line gunicorn accepts (its own maximum): room for GET requests' 1,000 ids.
MAX_REQUEST_LINE = 8190


class CannotServe(Exception):
    """The settings do not allow ``ivr serve`` to start; the message says why and what to do."""


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any], role: WorkRole) -> None:
        self._settings = settings
        self._options = options
        self._role = role
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from ivr.app import create_app

        rt = Runtime(self._settings, work_role=self._role)
        app = create_app(runtime=rt)
        if self._settings.outbox_worker == "thread":
            # The embedded default: this process also delivers the outbox and runs the quick
            # jobs on threads of its own (all jobs when the recogniser is Twilio's).
            rt.warm_up()
            rt.work.start()
        return app


class _ErrorLogOnly(GunicornLogger):
    """gunicorn's logger without its access log: the app writes its own, with the request id
    and without the query string (:mod:`ivr.request_context`)."""

    def access(self, *args: Any, **kwargs: Any) -> None:
        return


def worker_runtime(settings: Settings, *, recognition: bool) -> Runtime:
    """The runtime of an ``ivr worker`` process: recognition jobs only (the workers ``ivr
    serve`` starts), or every kind of leased work, with the app mounted so that the embedded
    endpoint is reached in-process (the process serves no HTTP). :class:`CannotServe` when the
    gazetteer's datasets are not chosen as ``ivr serve`` requires, or the service list or a
    Whisper model setting cannot be used. Its store is one made before (``ivr serve`` or ``ivr
    db upgrade`` made it): a SQLite file that does not exist is not created."""
    from ivr.addresses.gazetteer import GazetteerError
    from ivr.addresses.gazetteer_start import check_dataset_choice
    from ivr.app import create_app
    from ivr.runtime import store_engine

    check_services(settings)  # first, the checks that need no store
    check_whisper_models(settings)
    engine = store_engine(settings, create_file=False)
    if settings.geocoder == "gazetteer":
        try:
            check_dataset_choice(settings, engine=engine)
        except GazetteerError as error:
            raise CannotServe(str(error)) from None
    rt = Runtime(settings, engine=engine, work_role="recognition" if recognition else "all")
    if not recognition:
        create_app(runtime=rt)
    return rt


def prepare(settings: Settings) -> None:
    """Check the service list (:func:`check_services`), migrate the store and prepare the
    gazetteer (:mod:`ivr.addresses.gazetteer_start`: the city's file loaded, or the sample
    where no city is configured; the datasets geocoding uses chosen). :class:`CannotServe`
    when the service list cannot be used or the gazetteer cannot be prepared."""
    check_services(settings)  # first: nothing is created for a gateway that cannot start
    check_whisper_models(settings)
    upgrade(settings.database_url)
    from ivr.addresses.address_files import AddressFileError
    from ivr.addresses.gazetteer import GazetteerError, NeighbourhoodsFileError
    from ivr.addresses.gazetteer_start import prepare_gazetteer

    try:
        prepare_gazetteer(settings)
    except GazetteerError as error:
        raise CannotServe(str(error)) from None
    except NeighbourhoodsFileError as error:
        name = env_name("gazetteer_neighbourhoods_file")
        raise CannotServe(f"the city's neighbourhoods ({name}): {error}") from None
    except AddressFileError as error:
        name = env_name("gazetteer_file")
        raise CannotServe(f"the city's address points ({name}): {error}") from None


def check_whisper_models(settings: Settings) -> None:
    """With Whisper, its models are packaged names or directories (:class:`CannotServe`
    otherwise; :mod:`ivr.recordings.whisper_setting`, which ``ivr transcribe`` checks too)."""
    from ivr.recordings.whisper_setting import unusable_whisper_model

    problem = unusable_whisper_model(settings)
    if problem is not None:
        raise CannotServe(problem)


def check_services(settings: Settings) -> None:
    """The services file (``IVR_SERVICES_FILE``, or the sample) is read and its intake flow
    made now, before a server process starts: a file that is not a service list is one line
    on the operator's terminal (:class:`CannotServe`), not a worker that fails to boot."""
    from flows.model import FlowError
    from ivr.dialog.flow_library import intake_from_services
    from ivr.open311.catalogue import ServiceCatalogueError, load_service_catalogue

    try:
        intake_from_services(
            load_service_catalogue(settings.services_path), recognizer=settings.recognizer
        )
    except (ServiceCatalogueError, FlowError) as error:
        name = env_name("services_file")
        raise CannotServe(f"the city's service list ({name}): {error}") from None


def check_secret_key(settings: Settings, workers: int) -> None:
    """More than one web process needs one key for staff sessions: each process would draw a
    random key of its own, and a log-in made on one would be refused by the others.
    :class:`CannotServe` then; with one process, a warning that sessions end on restart."""
    if settings.secret_key:
        return
    name = env_name("secret_key")
    if workers > 1:
        raise CannotServe(
            f"{name} must be set to run {workers} web processes: each would sign staff sessions "
            f"with a random key of its own, and a staff log-in made on one would be refused by "
            f"the others. Set {name} to a long random string (for example the output of "
            f"`python -c 'import secrets; print(secrets.token_hex(32))'`), or run one web "
            f"process."
        )
    log.warning(
        "%s is not set: staff sessions are signed with a random key and end when the gateway "
        "restarts",
        name,
    )


def gunicorn_options(
    settings: Settings, *, workers: int | None = None, threads: int | None = None
) -> dict[str, Any]:
    """The gunicorn settings ``ivr serve`` runs with (benchmarks run a bare app under the same,
    leaving out the server hooks)."""
    trust = settings.trust_proxy_headers
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": workers or settings.web_workers,
        "threads": threads or settings.web_threads,
        "worker_class": "gthread",
        "timeout": 30,
        "graceful_timeout": GRACEFUL_SECONDS,
        "accesslog": None,
        "logger_class": _ErrorLogOnly,
        "loglevel": settings.log_level.lower(),
        "logconfig_dict": dict_config(settings.log_level),
        # The request's scheme follows X-Forwarded-Proto only from a proxy the city trusts.
        "forwarded_allow_ips": "*" if trust else "",
        "secure_scheme_headers": {"X-FORWARDED-PROTO": "https"} if trust else {},
        "control_socket_disable": True,
        "limit_request_line": MAX_REQUEST_LINE,
        "when_ready": _log_listening,
        "post_worker_init": _end_streams_on_stop,
        "worker_int": lambda worker: process_stopping.set(),
    }


def _log_listening(server: Any) -> None:
    """gunicorn's ``when_ready``: the port is bound; say where."""
    for listener in server.LISTENERS:
        log.info(
            "voice311 listening on http://%s",
            _address(listener),
            extra={"workers": server.cfg.workers, "threads": server.cfg.threads},
        )


def _address(listener: Any) -> str:
    host, port = listener.sock.getsockname()[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _end_streams_on_stop(worker: Any) -> None:
    """gunicorn's ``post_worker_init``: SIGTERM tells the open event streams to end, then
    gunicorn's own handler stops taking requests and waits for those in hand."""
    _chain_signal(signal.SIGTERM, process_stopping.set)


def _chain_signal(signum: signal.Signals, first: Callable[[], object]) -> None:
    previous = signal.getsignal(signum)

    def handle(number: int, frame: Any) -> None:
        first()
        if callable(previous):
            previous(number, frame)

    signal.signal(signum, handle)


def web_role(settings: Settings) -> WorkRole:
    """A web process leaves recognition to the recognition workers; with Twilio's cloud speech
    there is nothing to decode, and it runs every job itself."""
    return "all" if settings.recognizer == "twilio" else "web"


def run(settings: Settings, *, workers: int | None = None, threads: int | None = None) -> None:
    """Serve until stopped. :class:`CannotServe` before anything starts when the settings do
    not allow it."""
    from ivr.jobs.processes import RecognitionWorkers

    options = gunicorn_options(settings, workers=workers, threads=threads)
    check_secret_key(settings, options["workers"])
    problem = listening_problem(settings.host, settings.port)
    if problem is not None:  # before the store is made: nothing is created (ivr/listening.py)
        raise CannotServe(problem)
    prepare(settings)
    role = web_role(settings)
    decoding = role == "web" and settings.outbox_worker == "thread"
    recognition = RecognitionWorkers(settings.recognition_worker_count if decoding else 0)
    # Before any process starts: the directories its processes share (ivr.metrics.multiprocess,
    # ivr.health.recognition_ready), named in the environment they inherit.
    use_metrics_directory()
    expect_recognition_workers(recognition.count)
    options["child_exit"] = gunicorn_child_exit
    log.info(
        "voice311 starting",
        extra={
            "workers": options["workers"],
            "threads": options["threads"],
            "recognition_workers": recognition.count,
        },
    )
    recognition.start()
    # On SIGTERM the recognition workers stop while the web processes finish their requests,
    # not after them (the signal handler only sets an event: gunicorn's master logs nothing
    # and starts nothing in a handler).
    stop_requested = threading.Event()

    def stop_recognition() -> None:
        stop_requested.wait()
        recognition.stop()

    stopper = threading.Thread(
        target=stop_recognition, name="voice311-recognition-stop", daemon=True
    )
    stopper.start()

    def when_ready(server: Any) -> None:
        _chain_signal(signal.SIGTERM, stop_requested.set)
        _log_listening(server)

    options["when_ready"] = when_ready
    try:
        _Gunicorn(settings, options, role).run()
    finally:  # gunicorn's master exits with SystemExit: the workers stop with it
        stop_requested.set()
        stopper.join()
