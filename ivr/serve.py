"""``ivr serve``: prepare the store, then run the WSGI app under gunicorn.

Preparing means: migrations to the newest revision, and the sample gazetteer loaded when the
gazetteer is empty, so that one command gives a working gateway on a fresh machine.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from ivr.settings import Settings
from ivr.store.db import upgrade

log = logging.getLogger(__name__)


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from ivr.app import create_app

        app = create_app(self._settings)
        if self._settings.outbox_worker == "thread":
            app.extensions["voice311.outbox"] = start_outbox_thread(app)
            app.extensions["voice311.jobs"] = start_job_threads(app)
        return app


def start_outbox_thread(app: Any) -> Any:
    """Deliver the outbox from a thread of this process (the embedded default)."""
    from ivr.app import Runtime
    from ivr.followup.text_sender import text_round
    from ivr.open311.client import Open311Client, make_http_client
    from ivr.outbox.worker import OutboxWorker, RetryPolicy

    rt: Runtime = app.extensions["voice311"]
    client = Open311Client.from_settings(rt.settings, make_http_client(rt.settings))
    worker = OutboxWorker(
        rt.sessions,
        client,
        policy=RetryPolicy.from_settings(rt.settings),
        after_round=text_round(rt.settings, rt.sessions),
    )
    worker.start()
    return worker


def start_job_threads(app: Any) -> Any:
    """Run jobs (transcriptions, questions to the city) from threads of this process."""
    from ivr.app import Runtime
    from ivr.jobs.handlers import build_handlers, warm_up_in_background
    from ivr.jobs.runner import JobRunner

    rt: Runtime = app.extensions["voice311"]
    desk = app.extensions["voice311.desk"]
    handlers = build_handlers(rt.settings, rt)
    warm_up_in_background(handlers)
    runner = JobRunner(rt.sessions, handlers, desk.report_job)
    runner.start()
    return runner


def prepare(settings: Settings) -> None:
    """Migrate the store and load the sample gazetteer when none is loaded."""
    upgrade(settings.database_url)
    from ivr.addresses.gazetteer import ensure_loaded

    ensure_loaded(settings)


def run(settings: Settings, *, workers: int = 1, threads: int = 8) -> None:
    prepare(settings)
    options = {
        "bind": f"{settings.host}:{settings.port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 30,
        "accesslog": None,
    }
    log.info("voice311 listening on http://%s:%s", settings.host, settings.port)
    _Gunicorn(settings, options).run()
