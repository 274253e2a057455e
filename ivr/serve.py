"""``ivr serve``: prepare the store, then run the WSGI app under gunicorn, with the recognition
workers beside it.

Preparing means: migrations to the newest revision, and the sample gazetteer loaded when the
gazetteer is empty, so that one command gives a working gateway on a fresh machine.

The serving model (docs/serving.md): gunicorn's ``gthread`` worker, ``IVR_WEB_THREADS`` threads
(32) per web process. A webhook does a few milliseconds of database work; the only one that
waits is a caller's step waiting for a transcript, which holds its thread for at most
``IVR_TRANSCRIPT_HOLD`` seconds, and only three quarters of the threads may hold at once
(``ivr.webhooks.holding``). Recognition runs in separate processes
(:mod:`ivr.jobs.processes`), so a web process never decodes; its own threads deliver the
outbox and run the quick jobs, and reach the embedded endpoint in-process.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from ivr.runtime import Runtime, WorkRole
from ivr.settings import Settings
from ivr.store.db import upgrade

log = logging.getLogger(__name__)


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


def worker_runtime(settings: Settings, *, recognition: bool) -> Runtime:
    """The runtime of an ``ivr worker`` process: recognition jobs only (the workers ``ivr
    serve`` starts), or every kind of leased work, with the app mounted so that the embedded
    endpoint is reached in-process (the process serves no HTTP)."""
    from ivr.app import create_app

    rt = Runtime(settings, work_role="recognition" if recognition else "all")
    if not recognition:
        create_app(runtime=rt)
    return rt


def prepare(settings: Settings) -> None:
    """Migrate the store and load the sample gazetteer when none is loaded."""
    upgrade(settings.database_url)
    from ivr.addresses.gazetteer import ensure_loaded

    ensure_loaded(settings)


def gunicorn_options(
    settings: Settings, *, workers: int = 1, threads: int | None = None
) -> dict[str, Any]:
    """The gunicorn settings ``ivr serve`` runs with (benchmarks run a bare app under the same)."""
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": workers,
        "threads": threads or settings.web_threads,
        "worker_class": "gthread",
        "timeout": 30,
        "accesslog": None,
    }


def web_role(settings: Settings) -> WorkRole:
    """A web process leaves recognition to the recognition workers; with Twilio's cloud speech
    there is nothing to decode, and it runs every job itself."""
    return "all" if settings.recognizer == "twilio" else "web"


def run(settings: Settings, *, workers: int = 1, threads: int | None = None) -> None:
    from ivr.jobs.processes import RecognitionWorkers

    prepare(settings)
    role = web_role(settings)
    decoding = role == "web" and settings.outbox_worker == "thread"
    recognition = RecognitionWorkers(settings.recognition_worker_count if decoding else 0)
    options = gunicorn_options(settings, workers=workers, threads=threads)
    log.info(
        "voice311 listening on http://%s:%s",
        settings.host,
        settings.port,
        extra={"threads": options["threads"], "recognition_workers": recognition.count},
    )
    recognition.start()
    try:
        _Gunicorn(settings, options, role).run()
    finally:  # gunicorn's master exits with SystemExit: the workers stop with it
        recognition.stop()
